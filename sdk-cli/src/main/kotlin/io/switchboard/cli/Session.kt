package io.switchboard.cli

import io.switchboard.OutlierDetection
import io.switchboard.RequestContext
import io.switchboard.RetryPolicy
import io.switchboard.ServiceInstance
import io.switchboard.ServiceManager
import io.switchboard.ServiceManagerBuilder
import io.switchboard.config.SwitchboardConfig
import io.switchboard.discovery.InMemoryRegistry
import io.switchboard.discovery.InstanceSnapshot
import io.switchboard.registry.nacos.NacosRegistry
import io.switchboard.registry.zookeeper.ZooKeeperRegistry
import io.switchboard.spi.Interceptor
import io.switchboard.spi.ServiceDiscovery
import java.nio.file.Files
import java.nio.file.Path
import java.time.Duration
import java.time.Instant
import kotlin.io.path.deleteRecursively

/**
 * What one command sees as a caller: a [ServiceManager] built by the SDK's own builder from the same configuration
 * an application reads (interceptors, TLS, timeouts, balancers, retries), over the registry the options chose.
 * It never registers anything. Closing it closes the manager and the registry connection.
 *
 * @property manager the manager every call goes through.
 * @property registry the registry's own discovery (Nacos or ZooKeeper), null for static lists alone.
 * @property staticNames the services with fixed lists (from `--static` or the configuration), which win over the registry.
 */
class Session private constructor(
    private val config: SwitchboardConfig?,
    private val statics: Map<String, List<ServiceInstance>>,
    private val connected: Connected?,
) : AutoCloseable {
    // the application's instance snapshot file is the application's: a command keeps one of its own, thrown away
    private val snapshotFolder: Path? = config?.serviceCaller?.instanceSnapshot?.let { Files.createTempDirectory("switchboard-cli") }
    private val recorder = CallRecorder()

    val registry: ServiceDiscovery? = connected?.discovery

    val staticNames: Set<String> =
        statics.keys +
            config
                ?.serviceCaller
                ?.services
                ?.filterValues { it.instances.isNotEmpty() }
                ?.keys
                .orEmpty()

    val manager: ServiceManager =
        builder()
            .apply {
                connected?.let { discovery(it.discovery) }
                addInterceptor(recorder)
            }.build()

    /** Where instances are looked up: the registry behind the static lists. */
    val discovery: ServiceDiscovery get() = manager.discovery

    /** What the registry is, for messages: `nacos 127.0.0.1:8848 (namespace '', group DEFAULT_GROUP)`, `static lists`. */
    val description: String get() = registry?.description ?: "the static lists"

    /** The context of the last call started through [manager]: its instance, attempts and timings. */
    val lastCall: RequestContext? get() = recorder.last

    /** The names the registry lists (asked of the registry itself) and the configured ones. */
    suspend fun services(): Set<String> =
        (
            registry?.listServices().orEmpty() + staticNames +
                config
                    ?.serviceCaller
                    ?.services
                    ?.keys
                    .orEmpty()
        ).toSortedSet()

    /**
     * The instances of [service] as a call would see them; a [CliFailure] naming the known services (and the closest
     * one) when the service is unknown, or saying it has no instance now.
     */
    suspend fun instancesOf(service: String): List<ServiceInstance> {
        val found = discovery.instances(service)
        if (found.isNotEmpty()) return found
        val known = services()
        if (service in known) throw CliFailure("service '$service' has no instances in $description now")
        throw CliFailure(ServiceNames.unknown(service, known, description))
    }

    /** Where [service]'s list comes from: `static`, or the registry's kind (`nacos`, `zookeeper`). */
    fun sourceOf(service: String): String =
        when {
            service in staticNames -> "static"
            registry is NacosRegistry -> "nacos"
            registry is ZooKeeperRegistry -> "zookeeper"
            else -> "embedded"
        }

    /** How long ago [service]'s list last changed (or was first read), as the registry adapter knows it; null for static lists. */
    fun ageOf(service: String): Duration? {
        if (service in staticNames) return null
        val since: Instant? =
            when (val r = registry) {
                is NacosRegistry -> r.status(service)?.updatedAt
                is ZooKeeperRegistry -> r.updatedAt(service)
                else -> null
            }
        return since?.let { Duration.between(it, Instant.now()) }
    }

    /**
     * A manager that sends [instance]'s service calls to [instance] alone, whatever its health or weight in the
     * registry, with no retry and no ejection, under the same configuration: how `health` reaches every instance.
     */
    fun pinned(instance: ServiceInstance): ServiceManager {
        val only = ServiceInstance(instance.serviceName, instance.host, instance.port, instance.instanceId, instance.secure)
        return builder()
            .discovery(InMemoryRegistry())
            .staticInstances(instance.serviceName, only)
            .retry(RetryPolicy.NONE)
            .outlierDetection(OutlierDetection.DISABLED)
            .build()
    }

    private fun builder(): ServiceManagerBuilder =
        ServiceManager.builder().apply {
            config?.let(::config)
            snapshotFolder?.let { instanceSnapshot(InstanceSnapshot(it.resolve("instances.json"))) }
            statics.forEach { (name, list) -> staticInstances(name, list) }
        }

    @OptIn(kotlin.io.path.ExperimentalPathApi::class)
    override fun close() {
        runCatching { manager.close() }
        runCatching { connected?.closeable?.close() }
        snapshotFolder?.let { runCatching { it.deleteRecursively() } }
    }

    /** A registry connection: its discovery and what closes it. */
    class Connected(
        val discovery: ServiceDiscovery,
        val closeable: AutoCloseable,
    )

    /** Keeps the context of the last call, for the attempts and timings a command prints. */
    private class CallRecorder : Interceptor {
        @Volatile
        var last: RequestContext? = null

        override val name: String = "switchboard-cli"
        override val order: Int = Int.MIN_VALUE

        override suspend fun beforeRequest(context: RequestContext) {
            last = context
        }
    }

    companion object {
        /** A session over [config], [statics] and the registry [connect] opens (null for none); closes that registry on failure. */
        fun open(
            config: SwitchboardConfig?,
            statics: Map<String, List<ServiceInstance>>,
            connect: () -> Connected?,
        ): Session {
            val connected = connect()
            try {
                return Session(config, statics, connected)
            } catch (e: Throwable) {
                runCatching { connected?.closeable?.close() }
                throw e
            }
        }

        /** [message] on one line, for a terminal. */
        fun oneLine(message: String?): String =
            message
                .orEmpty()
                .lines()
                .map { it.trim() }
                .filter { it.isNotEmpty() }
                .joinToString("; ")
    }
}
