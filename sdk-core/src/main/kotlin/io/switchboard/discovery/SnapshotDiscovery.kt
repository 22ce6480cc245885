package io.switchboard.discovery

import io.switchboard.NoInstanceAvailableException
import io.switchboard.ServiceInstance
import io.switchboard.spi.InstanceListener
import io.switchboard.spi.ServiceDiscovery
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import kotlinx.coroutines.delay
import kotlinx.coroutines.launch
import org.slf4j.LoggerFactory
import java.time.Duration
import java.time.Instant
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.CopyOnWriteArrayList
import java.util.concurrent.atomic.AtomicBoolean

/**
 * A registry's discovery with an [InstanceSnapshot] on disk behind it: a manager configured with a snapshot
 * looks instances up through it (`ServiceManager.snapshotDiscovery`).
 *
 * While the registry answers, its lists are served as they are, and each service's list is written to the
 * snapshot when it changes. While the registry is unreachable — it was down when the manager started, or it
 * cannot list a service called for the first time — the snapshot's list is served instead, and logged once
 * per service with its age; [status] tells a stale list from a live one. A service the snapshot does not hold
 * then fails with a [NoInstanceAvailableException] that says the registry is unreachable.
 *
 * @property snapshot the file and the oldest snapshot trusted.
 * @property registry what the registry is (such as `nacos 10.0.0.5:8848 (namespace 'prod', group G)`): the
 *   snapshot records it, and one written for another registry is refused.
 */
public class SnapshotDiscovery internal constructor(
    public val snapshot: InstanceSnapshot,
    public val registry: String,
) : ServiceDiscovery {
    private val scope = CoroutineScope(SupervisorJob() + Dispatchers.IO)
    private val entries = ConcurrentHashMap<String, SnapshotEntry>()
    private val followed = ConcurrentHashMap<String, AutoCloseable>()
    private val listeners = ConcurrentHashMap<String, CopyOnWriteArrayList<InstanceListener>>()
    private val staleLogged = ConcurrentHashMap.newKeySet<String>()
    private val dirty = AtomicBoolean()
    private val writeLock = Any()

    @Volatile
    private var live: ServiceDiscovery? = null

    @Volatile
    private var unreachable: String = "not connected yet"

    @Volatile
    private var unreachableSince: Instant = Instant.now()

    /** When the loaded snapshot was written; null when none was loaded. */
    public val loadedSnapshotWrittenAt: Instant?

    /** Why the snapshot file was not loaded (missing, corrupt, too old, another registry's); null when it was. */
    public val refusal: String?

    init {
        when (val read = SnapshotFile.read(snapshot.path, registry, snapshot.maxAge)) {
            is SnapshotRead.Loaded -> {
                entries.putAll(read.entries)
                loadedSnapshotWrittenAt = read.writtenAt
                refusal = null
                log.info(
                    "Loaded the instance snapshot at {}: {} service(s), written {} ago",
                    snapshot.path,
                    read.entries.size,
                    SnapshotFile.describe(Duration.between(read.writtenAt, Instant.now())),
                )
            }

            SnapshotRead.Missing -> {
                loadedSnapshotWrittenAt = null
                refusal = "there is no snapshot file yet"
                log.info("No instance snapshot at {} yet; it is written once the registry has answered", snapshot.path)
            }

            is SnapshotRead.Refused -> {
                loadedSnapshotWrittenAt = null
                refusal = "the snapshot was refused: ${read.reason}"
                log.warn(
                    "Refused the instance snapshot at {}: {}; it is rewritten once the registry has answered",
                    snapshot.path,
                    read.reason,
                )
            }
        }
    }

    override val description: String get() = registry

    /** Whether the registry's discovery has taken over from the snapshot (it has answered since the start). */
    public val isLive: Boolean get() = live != null

    override val isConnected: Boolean get() = live?.isConnected == true

    override suspend fun instances(serviceName: String): List<ServiceInstance> {
        val current = live ?: return fromSnapshot(serviceName, "is unreachable ($unreachable)")
        val instances =
            try {
                current.instances(serviceName)
            } catch (e: CancellationException) {
                throw e
            } catch (e: NoInstanceAvailableException) {
                throw e
            } catch (e: Exception) {
                return fromSnapshot(serviceName, "is unreachable (${e.message?.lineSequence()?.first() ?: e})")
            }
        if (!followed.containsKey(serviceName)) {
            // a registry just back may not have its registrations again yet: until it lists the service, the snapshot does
            if (instances.isEmpty()) {
                return entries[serviceName]?.let { fromSnapshot(serviceName, "lists no instance of it yet") }
                    ?: instances
            }
            follow(current, serviceName, instances)
        }
        return instances
    }

    override fun subscribe(
        serviceName: String,
        listener: InstanceListener,
    ): AutoCloseable {
        listeners.computeIfAbsent(serviceName) { CopyOnWriteArrayList() } += listener
        live?.let { follow(it, serviceName, null) }
        return AutoCloseable { listeners[serviceName]?.remove(listener) }
    }

    override fun knownServices(): Set<String> = (live?.knownServices().orEmpty() + entries.keys)

    /** The registry's listing while it answers, with the snapshot's services; the snapshot's alone while it does not. */
    override suspend fun listServices(): Set<String> {
        val listed =
            try {
                live?.listServices().orEmpty()
            } catch (e: CancellationException) {
                throw e
            } catch (_: Exception) {
                emptySet()
            }
        return listed + entries.keys
    }

    /**
     * Where [serviceName]'s list comes from now and how old it is; null when neither the registry nor the snapshot
     * gave one. It is live while the registry is connected and the service is followed (called since the registry
     * answered); otherwise stale, as of when the registry last gave or confirmed it.
     */
    public fun status(serviceName: String): InstanceListSource? {
        val entry = entries[serviceName] ?: return null
        val fresh = isConnected && followed.containsKey(serviceName)
        return InstanceListSource(serviceName, entry.instances, isStale = !fresh, if (fresh) Instant.now() else entry.updatedAt)
    }

    /** The registry answers now: its lists replace the snapshot's, for every service followed so far. */
    internal fun connected(
        discovery: ServiceDiscovery,
        initially: Boolean,
    ) {
        live = discovery
        staleLogged.clear()
        if (!initially) {
            log.info(
                "{} answers after {} unreachable: serving its live instances again, and keeping the snapshot at {}",
                registry,
                SnapshotFile.describe(Duration.between(unreachableSince, Instant.now())),
                snapshot.path,
            )
        }
        scope.launch {
            // an unchanged list is written again now and then, so the file's age says when the registry last confirmed it
            while (true) {
                delay(REFRESH.toMillis())
                dirty.set(true)
                write()
            }
        }
        scope.launch {
            for (name in listeners.keys) {
                runCatching {
                    // follow first, then read: a change after the read comes through the subscription, never before it
                    follow(discovery, name, null)
                    val instances = discovery.instances(name)
                    if (instances.isNotEmpty() && entries[name]?.instances != instances) {
                        record(name, instances)
                        notify(name, instances)
                    }
                }
            }
        }
    }

    /** The registry could not be reached ([reason]); the snapshot is served until [connected]. */
    internal fun unreachable(reason: String) {
        unreachable = reason
    }

    private fun fromSnapshot(
        serviceName: String,
        reason: String,
    ): List<ServiceInstance> {
        val entry = entries[serviceName]
        if (entry == null) {
            throw NoInstanceAvailableException(
                serviceName,
                emptyList(),
                "no instances of service '$serviceName': the registry ($registry) $reason, and the instance " +
                    "snapshot at ${snapshot.path} has none of '$serviceName'" + (refusal?.let { " ($it)" } ?: "") +
                    ". Calls resume when the registry answers.",
            )
        }
        if (staleLogged.add(serviceName)) {
            log.warn(
                "Serving {} from the instance snapshot at {}: {} instance(s) as of {} ({} ago), because the registry ({}) {}",
                serviceName,
                snapshot.path,
                entry.instances.size,
                entry.updatedAt,
                SnapshotFile.describe(Duration.between(entry.updatedAt, Instant.now())),
                registry,
                reason,
            )
        }
        return entry.instances
    }

    /** Follows [serviceName] in [discovery] (once), recording its lists and passing them on to this discovery's listeners. */
    private fun follow(
        discovery: ServiceDiscovery,
        serviceName: String,
        current: List<ServiceInstance>?,
    ) {
        // the list read before subscribing is recorded first: what the subscription brings afterwards is newer
        if (current != null) record(serviceName, current)
        followed.computeIfAbsent(serviceName) {
            discovery.subscribe(serviceName) { name, instances ->
                record(name, instances)
                notify(name, instances)
            }
        }
    }

    private fun notify(
        serviceName: String,
        instances: List<ServiceInstance>,
    ) {
        listeners[serviceName]?.forEach { runCatching { it.onChange(serviceName, instances) } }
    }

    /**
     * Keeps [instances] as [serviceName]'s last good list and schedules a write when it changed. An empty list is
     * not kept: lists go briefly empty while a registry restarts or a session is replaced, just when the snapshot
     * matters, and a service with no instances has nothing to serve anyway.
     */
    private fun record(
        serviceName: String,
        instances: List<ServiceInstance>,
    ) {
        if (instances.isEmpty() || entries[serviceName]?.instances == instances) return
        entries[serviceName] = SnapshotEntry(instances, Instant.now())
        scheduleWrite()
    }

    private fun scheduleWrite() {
        if (dirty.compareAndSet(false, true)) {
            scope.launch {
                delay(WRITE_DELAY_MILLIS)
                write()
            }
        }
    }

    /** Writes the snapshot if anything is pending; one write at a time, so an older one never lands over a newer. */
    private fun write() {
        synchronized(writeLock) {
            if (!dirty.getAndSet(false)) return
            val now = Instant.now()
            // the lists a connected registry keeps fresh are confirmed now; the others keep their time, and leave the
            // file once older than max-age
            if (isConnected) {
                followed.keys.forEach { name ->
                    entries.computeIfPresent(name) { _, entry -> SnapshotEntry(entry.instances, now) }
                }
            }
            val kept = entries.filterValues { Duration.between(it.updatedAt, now) <= snapshot.maxAge }
            try {
                SnapshotFile.write(snapshot.path, registry, kept, now)
            } catch (e: Exception) {
                // tried again with the next change, the hourly write or the close
                dirty.set(true)
                log.warn("Could not write the instance snapshot at {}: {}", snapshot.path, e.toString())
            }
        }
    }

    /** Writes what is pending and stops following the registry; the registry itself is closed by whoever opened it. */
    override fun close() {
        scope.cancel()
        followed.values.forEach { runCatching { it.close() } }
        followed.clear()
        write()
    }

    private companion object {
        private val log = LoggerFactory.getLogger(SnapshotDiscovery::class.java)
        private const val WRITE_DELAY_MILLIS = 100L

        /** How often the snapshot is written again while the registry is connected, changes or not. */
        private val REFRESH: Duration = Duration.ofHours(1)
    }
}
