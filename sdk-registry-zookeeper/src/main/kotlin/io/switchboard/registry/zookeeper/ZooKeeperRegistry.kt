package io.switchboard.registry.zookeeper

import io.switchboard.ServiceInstance
import io.switchboard.SwitchboardException
import io.switchboard.spi.InstanceListener
import io.switchboard.spi.ServiceDiscovery
import io.switchboard.spi.ServiceRegistry
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import kotlinx.coroutines.future.future
import kotlinx.coroutines.runInterruptible
import org.apache.curator.framework.CuratorFramework
import org.apache.curator.framework.CuratorFrameworkFactory
import org.apache.curator.framework.state.ConnectionState
import org.apache.curator.retry.ExponentialBackoffRetry
import org.apache.curator.x.discovery.ServiceCache
import org.apache.curator.x.discovery.ServiceDiscoveryBuilder
import org.apache.curator.x.discovery.details.ServiceCacheListener
import org.slf4j.LoggerFactory
import java.time.Instant
import java.util.concurrent.CompletableFuture
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.CopyOnWriteArrayList
import java.util.concurrent.TimeUnit
import org.apache.curator.x.discovery.ServiceDiscovery as CuratorDiscovery

/**
 * ZooKeeper as a [ServiceDiscovery] and a [ServiceRegistry], on Apache Curator's x-discovery, in the
 * layout Spring Cloud Zookeeper uses: each instance an ephemeral node `{root}/{service}/{id}` holding
 * Curator's instance JSON ([InstanceNodes] says how fields map). A Spring Cloud Zookeeper caller finds
 * instances registered here, and a Switchboard caller finds Spring's.
 *
 * Discovery is push-driven: the first call to a service starts a Curator cache of its nodes (one watch,
 * kept by ZooKeeper) and waits for its first load; from then on the list is served from memory and
 * follows every change. While ZooKeeper is unreachable the caches keep the last good list, and (with
 * [ZooKeeperConfig.emptyPushProtection]) a change that would leave a service that had instances with
 * none is held back and logged. An instance whose process dies leaves every list when ZooKeeper ends
 * its session, [ZooKeeperConfig.sessionTimeout] after its last heartbeat.
 *
 * Registration writes the node with this client's session; Curator writes it again after the session
 * was lost and a new one began, so an outage longer than the session timeout heals by itself.
 *
 * Construction connects, and fails within [ZooKeeperConfig.connectionTimeout] naming the ensemble when
 * ZooKeeper does not answer.
 */
public class ZooKeeperRegistry(
    public val config: ZooKeeperConfig,
) : ServiceDiscovery,
    ServiceRegistry {
    private val client: CuratorFramework = connect(config)
    private val discovery: CuratorDiscovery<NodePayload> =
        try {
            ServiceDiscoveryBuilder
                .builder(NodePayload::class.java)
                .client(client)
                .basePath(config.root)
                .serializer(InstanceNodes)
                .build()
                .also { it.start() }
        } catch (e: Exception) {
            client.close()
            throw SwitchboardException("cannot start discovery under ${config.root} on ZooKeeper ${config.connectString}: $e", e)
        }
    private val services = ConcurrentHashMap<String, ServiceState>()
    private val locks = ConcurrentHashMap<String, Any>()
    private val javaScope = CoroutineScope(SupervisorJob() + Dispatchers.IO)

    @Volatile
    private var closed = false

    override val description: String get() = describe(config)

    /** Whether the client is connected to ZooKeeper now. */
    override val isConnected: Boolean get() = client.zookeeperClient.isConnected

    /**
     * The ZooKeeper session this client holds now; 0 while it has none. After a session expired (an outage
     * longer than the session timeout), a new one begins and this client's registrations are written again
     * under it.
     */
    public val sessionId: Long get() = runCatching { client.zookeeperClient.zooKeeper.sessionId }.getOrDefault(0L)

    override suspend fun instances(serviceName: String): List<ServiceInstance> {
        services[serviceName]?.let { return it.instances }
        return runInterruptible(Dispatchers.IO) { instancesNow(serviceName) }
    }

    /** The current instances of [serviceName], without suspending (the first call for a service waits for ZooKeeper). */
    public fun instancesNow(serviceName: String): List<ServiceInstance> {
        services[serviceName]?.let { return it.instances }
        val state = state(serviceName, keepEmpty = false) ?: return emptyList()
        return state.instances
    }

    /** When the list of [serviceName] last changed, or null when it is not followed. */
    public fun updatedAt(serviceName: String): Instant? = services[serviceName]?.updatedAt

    override fun subscribe(
        serviceName: String,
        listener: InstanceListener,
    ): AutoCloseable {
        val state = state(serviceName, keepEmpty = true)!!
        state.listeners += listener
        return AutoCloseable { state.listeners -= listener }
    }

    /** The services followed now (no ZooKeeper round trip: this runs on the path of failing calls). */
    override fun knownServices(): Set<String> = services.keys.toSet()

    /** Every service with a node under the root now, read from ZooKeeper (none while the root does not exist). */
    override suspend fun listServices(): Set<String> =
        runInterruptible(Dispatchers.IO) {
            try {
                discovery.queryForNames().toSortedSet()
            } catch (_: org.apache.zookeeper.KeeperException.NoNodeException) {
                sortedSetOf()
            } catch (e: Exception) {
                throw SwitchboardException("ZooKeeper ${config.connectString} could not list the services under ${config.root}: $e", e)
            }
        }

    override suspend fun register(instance: ServiceInstance) {
        runInterruptible(Dispatchers.IO) {
            call("register $instance") { discovery.registerService(InstanceNodes.toCurator(instance)) }
        }
    }

    override suspend fun deregister(instance: ServiceInstance) {
        runInterruptible(Dispatchers.IO) {
            call("deregister $instance") { discovery.unregisterService(InstanceNodes.toCurator(instance)) }
        }
    }

    /** Java twin of [register]. */
    public fun registerAsync(instance: ServiceInstance): CompletableFuture<Void?> =
        javaScope.future<Void?> {
            register(instance)
            null
        }

    /** Java twin of [deregister]. */
    public fun deregisterAsync(instance: ServiceInstance): CompletableFuture<Void?> =
        javaScope.future<Void?> {
            deregister(instance)
            null
        }

    /** Stops following services and removes this client's registrations (its session ends too). */
    override fun close() {
        if (closed) return
        closed = true
        javaScope.cancel()
        services.values.forEach { runCatching { it.cache.close() } }
        services.clear()
        runCatching { discovery.close() }
        client.close()
    }

    override fun toString(): String = "ZooKeeperRegistry($description)"

    /**
     * The state of [serviceName], starting its cache on first use. A service with no instances is not kept
     * unless [keepEmpty] (a listener wants its changes), so that names called once, typos included, leave no
     * watch behind; null then.
     */
    private fun state(
        serviceName: String,
        keepEmpty: Boolean,
    ): ServiceState? {
        services[serviceName]?.let { return it }
        check(!closed) { "$this is closed" }
        synchronized(locks.computeIfAbsent(serviceName) { Any() }) {
            services[serviceName]?.let { return it }
            val cache = discovery.serviceCacheBuilder().name(serviceName).build()
            val state = ServiceState(serviceName, cache)
            cache.addListener(state)
            try {
                val loaded = cache.startImmediate()
                if (!loaded.await(config.connectionTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    throw SwitchboardException(
                        "ZooKeeper ${config.connectString} did not list the instances of $serviceName " +
                            "within ${config.connectionTimeout.toMillis()} ms (connected: $isConnected)",
                    )
                }
            } catch (e: Exception) {
                runCatching { cache.close() }
                locks.remove(serviceName)
                throw if (e is SwitchboardException) {
                    e
                } else {
                    SwitchboardException(
                        "cannot read the instances of $serviceName from ZooKeeper: $e",
                        e,
                    )
                }
            }
            state.refresh()
            if (state.instances.isEmpty() && !keepEmpty) {
                runCatching { cache.close() }
                locks.remove(serviceName)
                return null
            }
            services[serviceName] = state
            return state
        }
    }

    private inline fun call(
        what: String,
        block: () -> Unit,
    ) {
        check(!closed) { "$this is closed" }
        try {
            block()
        } catch (e: Exception) {
            throw SwitchboardException("ZooKeeper ${config.connectString} refused to $what: $e", e)
        }
    }

    /** One followed service: its cache, the list served, and the listeners of its changes. */
    private inner class ServiceState(
        val name: String,
        val cache: ServiceCache<NodePayload>,
    ) : ServiceCacheListener {
        @Volatile
        var instances: List<ServiceInstance> = emptyList()

        @Volatile
        var updatedAt: Instant = Instant.now()

        val listeners = CopyOnWriteArrayList<InstanceListener>()

        private var heldBack = false

        /** Reads the cache into [instances]; tells the listeners when the list changed. */
        @Synchronized
        fun refresh() {
            val fresh =
                cache.instances
                    .mapNotNull { InstanceNodes.toSwitchboard(name, it) }
                    .sortedBy { it.instanceId }
            val current = instances
            if (fresh == current) return
            if (fresh.isEmpty() && current.isNotEmpty() && config.emptyPushProtection) {
                if (!heldBack) {
                    log.warn(
                        "ZooKeeper lists no instance of {} any more (connected: {}); still serving its last {} instance(s)",
                        name,
                        isConnected,
                        current.size,
                    )
                }
                heldBack = true
                return
            }
            heldBack = false
            instances = fresh
            updatedAt = Instant.now()
            listeners.forEach { listener ->
                try {
                    listener.onChange(name, fresh)
                } catch (e: Exception) {
                    log.warn("An instance listener of {} failed: {}", name, e.toString())
                }
            }
        }

        override fun cacheChanged() = refresh()

        override fun stateChanged(
            client: CuratorFramework,
            newState: ConnectionState,
        ) {
            if (newState == ConnectionState.LOST || newState == ConnectionState.SUSPENDED) {
                log.info("ZooKeeper connection {}: {} keeps serving its last {} instance(s)", newState, name, instances.size)
            }
        }
    }

    /** Naming a ZooKeeper configuration. */
    public companion object {
        private val log = LoggerFactory.getLogger(ZooKeeperRegistry::class.java)

        /** What [config] points at, as [description] says it: `zookeeper 10.0.0.5:2181 (root /services)`. */
        @JvmStatic
        public fun describe(config: ZooKeeperConfig): String = "zookeeper ${config.connectString} (root ${config.root})"

        private fun connect(config: ZooKeeperConfig): CuratorFramework {
            val builder =
                CuratorFrameworkFactory
                    .builder()
                    .connectString(config.connectString)
                    .sessionTimeoutMs(config.sessionTimeout.toMillis().toInt())
                    .connectionTimeoutMs(config.connectionTimeout.toMillis().toInt())
                    .retryPolicy(ExponentialBackoffRetry(200, 10, 5_000))
            if (config.username != null) builder.authorization("digest", "${config.username}:${config.password}".toByteArray())
            val client = builder.build()
            client.start()
            val connected =
                try {
                    client.blockUntilConnected(config.connectionTimeout.toMillis().toInt(), TimeUnit.MILLISECONDS)
                } catch (e: InterruptedException) {
                    Thread.currentThread().interrupt()
                    false
                }
            if (!connected) {
                client.close()
                throw SwitchboardException(
                    "ZooKeeper ${config.connectString} did not answer within ${config.connectionTimeout.toMillis()} ms " +
                        "(expected: a reachable ensemble at connect-string)",
                )
            }
            return client
        }
    }
}
