package io.switchboard.discovery

import io.switchboard.ServiceInstance
import kotlinx.serialization.Serializable
import kotlinx.serialization.json.Json
import java.nio.ByteBuffer
import java.nio.channels.FileChannel
import java.nio.file.AtomicMoveNotSupportedException
import java.nio.file.Files
import java.nio.file.NoSuchFileException
import java.nio.file.Path
import java.nio.file.StandardCopyOption
import java.nio.file.StandardOpenOption
import java.time.Duration
import java.time.Instant

/** One service's list as the snapshot holds it, and when the registry last gave it. */
internal class SnapshotEntry(
    val instances: List<ServiceInstance>,
    val updatedAt: Instant,
)

/** What reading a snapshot file gave: its services, or why it was refused. */
internal sealed interface SnapshotRead {
    /** A snapshot to serve from, written at [writtenAt]. */
    class Loaded(
        val writtenAt: Instant,
        val entries: Map<String, SnapshotEntry>,
    ) : SnapshotRead

    /** No file yet. */
    object Missing : SnapshotRead

    /** A file that must not be served, and why (a sentence for the log). */
    class Refused(
        val reason: String,
    ) : SnapshotRead
}

/**
 * The snapshot file's format: JSON naming its format, version and registry, each service's instances and
 * when they were last given. Written to a temporary file in the same directory, flushed to the disk and
 * moved over the old one, so a crash leaves the old file or the new one, never half of one.
 */
internal object SnapshotFile {
    const val FORMAT: String = "switchboard-instance-snapshot"
    const val VERSION: Int = 1

    /** A larger file is refused unread: a snapshot of thousands of instances stays far below it. */
    const val MAX_BYTES: Long = 16L * 1024 * 1024

    private val json =
        Json {
            ignoreUnknownKeys = true
            prettyPrint = true
            encodeDefaults = true
        }

    /** Reads [path]; refuses a file that is unreadable, not a snapshot, of another [registry], or older than [maxAge]. */
    fun read(
        path: Path,
        registry: String,
        maxAge: Duration,
        now: Instant = Instant.now(),
    ): SnapshotRead {
        val text =
            try {
                val size = Files.size(path)
                if (size > MAX_BYTES) return SnapshotRead.Refused("it is $size bytes long (a snapshot is at most $MAX_BYTES)")
                Files.readString(path)
            } catch (_: NoSuchFileException) {
                return SnapshotRead.Missing
            } catch (e: Exception) {
                return SnapshotRead.Refused("it cannot be read ($e)")
            }
        val document =
            try {
                json.decodeFromString(SnapshotDocument.serializer(), text)
            } catch (e: Exception) {
                return SnapshotRead.Refused("it is not a valid snapshot (${e.message?.lineSequence()?.first()})")
            }
        if (document.format != FORMAT) return SnapshotRead.Refused("its format is '${document.format}' (expected: '$FORMAT')")
        if (document.version != VERSION) {
            return SnapshotRead.Refused("it is version ${document.version} of the format (this Switchboard reads version $VERSION)")
        }
        if (document.registry != registry) {
            return SnapshotRead.Refused("it was written for ${document.registry}, and this manager's registry is $registry")
        }
        val writtenAt = instant(document.writtenAt) ?: return SnapshotRead.Refused("its writtenAt '${document.writtenAt}' is not a time")
        val age = Duration.between(writtenAt, now)
        if (age > maxAge) {
            return SnapshotRead.Refused(
                "it was written at $writtenAt, ${describe(age)} ago, longer ago than its max-age of ${describe(maxAge)}",
            )
        }
        val entries = LinkedHashMap<String, SnapshotEntry>()
        for ((name, service) in document.services) {
            val updatedAt = instant(service.updatedAt) ?: return SnapshotRead.Refused("service '$name' has no valid updatedAt")
            val instances =
                try {
                    service.instances.map { it.toInstance(name) }
                } catch (e: IllegalArgumentException) {
                    return SnapshotRead.Refused("service '$name' has an invalid instance: ${e.message}")
                }
            // a service the registry last gave longer ago than max-age is as untrusted as an old file
            if (Duration.between(updatedAt, now) <= maxAge) entries[name] = SnapshotEntry(instances, updatedAt)
        }
        return SnapshotRead.Loaded(writtenAt, entries)
    }

    /** Replaces [path] with a snapshot of [entries] for [registry], atomically. */
    fun write(
        path: Path,
        registry: String,
        entries: Map<String, SnapshotEntry>,
        now: Instant = Instant.now(),
    ) {
        val document =
            SnapshotDocument(
                format = FORMAT,
                version = VERSION,
                registry = registry,
                writtenAt = now.toString(),
                services =
                    entries.mapValues { (_, entry) ->
                        SnapshotService(entry.updatedAt.toString(), entry.instances.map(SnapshotInstance::of))
                    },
            )
        val bytes = json.encodeToString(SnapshotDocument.serializer(), document).toByteArray()
        val directory = path.toAbsolutePath().parent
        Files.createDirectories(directory)
        val temporary = Files.createTempFile(directory, "${path.fileName}.", ".tmp")
        try {
            FileChannel.open(temporary, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING).use { channel ->
                val buffer = ByteBuffer.wrap(bytes)
                while (buffer.hasRemaining()) channel.write(buffer)
                channel.force(true)
            }
            try {
                Files.move(temporary, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING)
            } catch (_: AtomicMoveNotSupportedException) {
                Files.move(temporary, path, StandardCopyOption.REPLACE_EXISTING)
            }
        } finally {
            Files.deleteIfExists(temporary)
        }
    }

    private fun instant(text: String): Instant? = runCatching { Instant.parse(text) }.getOrNull()

    /** `3 d 4 h`, `2 h 5 min`, `42 s`: an age for a log line. */
    fun describe(duration: Duration): String {
        val seconds = duration.seconds.coerceAtLeast(0)
        return when {
            seconds >= 86_400 -> "${seconds / 86_400} d ${seconds % 86_400 / 3600} h"
            seconds >= 3600 -> "${seconds / 3600} h ${seconds % 3600 / 60} min"
            seconds >= 60 -> "${seconds / 60} min ${seconds % 60} s"
            else -> "$seconds s"
        }
    }
}

@Serializable
internal class SnapshotDocument(
    val format: String,
    val version: Int,
    val registry: String,
    val writtenAt: String,
    val services: Map<String, SnapshotService> = emptyMap(),
)

@Serializable
internal class SnapshotService(
    val updatedAt: String,
    val instances: List<SnapshotInstance> = emptyList(),
)

@Serializable
internal class SnapshotInstance(
    val host: String,
    val port: Int,
    val instanceId: String,
    val secure: Boolean = false,
    val weight: Double = 1.0,
    val healthy: Boolean = true,
    val cluster: String = ServiceInstance.DEFAULT_CLUSTER,
    val metadata: Map<String, String> = emptyMap(),
) {
    fun toInstance(serviceName: String): ServiceInstance =
        ServiceInstance(serviceName, host, port, instanceId, secure, weight, healthy, cluster, metadata)

    companion object {
        fun of(instance: ServiceInstance): SnapshotInstance =
            SnapshotInstance(
                instance.host,
                instance.port,
                instance.instanceId,
                instance.secure,
                instance.weight,
                instance.healthy,
                instance.cluster,
                instance.metadata,
            )
    }
}
