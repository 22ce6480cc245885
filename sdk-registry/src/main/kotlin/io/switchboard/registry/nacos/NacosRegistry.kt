package io.switchboard.registry.nacos

import com.alibaba.nacos.api.PropertyKeyConst
import com.alibaba.nacos.api.exception.NacosException
import com.alibaba.nacos.api.naming.NamingFactory
import com.alibaba.nacos.api.naming.NamingService
import com.alibaba.nacos.api.naming.listener.EventListener
import com.alibaba.nacos.api.naming.listener.NamingEvent
import com.alibaba.nacos.api.naming.pojo.Instance
import io.switchboard.ConfigurationException
import io.switchboard.ServiceInstance
import io.switchboard.SwitchboardException
import io.switchboard.spi.InstanceListener
import io.switchboard.spi.ServiceDiscovery
import io.switchboard.spi.ServiceRegistry
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import kotlinx.coroutines.delay
import kotlinx.coroutines.future.future
import kotlinx.coroutines.isActive
import kotlinx.coroutines.launch
import kotlinx.coroutines.runInterruptible
import org.slf4j.LoggerFactory
import java.time.Duration
import java.time.Instant
import java.util.Properties
import java.util.concurrent.CompletableFuture
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.CopyOnWriteArrayList
import java.util.concurrent.ExecutionException
import java.util.concurrent.Executors
import java.util.concurrent.TimeUnit
import java.util.concurrent.TimeoutException

/**
 * Nacos as a [ServiceDiscovery] and a [ServiceRegistry], on the official `nacos-client`.
 *
 * Discovery is push-driven: the first call to a service subscribes to it and reads its instances once;
 * from then on the list is kept fresh by Nacos pushes and served from memory, with no Nacos round trip
 * on the call path. The list survives Nacos trouble: while Nacos is unreachable the last good list keeps
 * serving, and (with [NacosConfig.emptyPushProtection], on by default) an empty push for a service that
 * had instances is held back and logged. [status] tells how old a list is and whether a push was held back.
 *
 * Instances in the caller's own [NacosConfig.cluster] are preferred: when any of them is eligible, only
 * they are offered to the load balancer. Nacos weights become [ServiceInstance.weight], so the weighted
 * strategies honour them.
 *
 * Construction connects and checks the connection with a real request, so wrong credentials or an
 * unreachable server fail here, within [startupTimeout], with a message that says which.
 *
 * Subscriptions are bounded: a service nobody asked for during [subscriptionIdleTimeout] (and that has
 * no listener of the application's own) is unsubscribed and forgotten, so names called once — typos
 * included — do not keep a Nacos subscription for the life of the process.
 *
 * @param config server address, namespace, group, cluster and credentials.
 * @param startupTimeout how long the connection check may take.
 * @param subscriptionIdleTimeout how long an unused service stays subscribed; 10 minutes by default.
 */
public class NacosRegistry
    @JvmOverloads
    constructor(
        public val config: NacosConfig,
        startupTimeout: Duration = Duration.ofSeconds(10),
        private val subscriptionIdleTimeout: Duration = Duration.ofMinutes(10),
    ) : ServiceDiscovery,
        ServiceRegistry {
        private val naming: NamingService =
            run {
                require(!subscriptionIdleTimeout.isNegative && !subscriptionIdleTimeout.isZero) {
                    "subscriptionIdleTimeout: $subscriptionIdleTimeout (expected: > 0)"
                }
                connect(config, startupTimeout)
            }
        private val services = ConcurrentHashMap<String, ServiceState>()
        private val javaScope = CoroutineScope(SupervisorJob() + Dispatchers.IO)
        private val locks = ConcurrentHashMap<String, Any>()

        // a Nacos 2+ client holds one registration per service: several instances of one service go as a batch
        private val registered = HashMap<String, MutableList<ServiceInstance>>()

        override val description: String get() = describe(config)

        /** `UP` while the client is connected to Nacos, `DOWN` otherwise. */
        public val serverStatus: String get() = naming.serverStatus

        override val isConnected: Boolean get() = naming.serverStatus == "UP"

        init {
            val period = maxOf(1_000L, subscriptionIdleTimeout.toMillis() / 4)
            javaScope.launch {
                while (isActive) {
                    delay(period)
                    dropIdleSubscriptions()
                }
            }
        }

        override suspend fun instances(serviceName: String): List<ServiceInstance> {
            services[serviceName]?.let {
                val now = System.nanoTime()
                // a shared field: written only when stale enough to matter for the idle sweep
                if (now - it.lastAccess > touchNanos) it.lastAccess = now
                return it.instances
            }
            return runInterruptible(Dispatchers.IO) { state(serviceName).instances }
        }

        private val touchNanos = subscriptionIdleTimeout.toNanos() / 16

        /** The services subscribed now. */
        public val subscribedServices: Set<String> get() = services.keys.toSet()

        /** Unsubscribes the services that nobody asked for during the idle timeout and that have no listener. */
        internal fun dropIdleSubscriptions() {
            val limit = System.nanoTime() - subscriptionIdleTimeout.toNanos()
            services.values.filter { it.lastAccess < limit && it.listeners.isEmpty() }.forEach { state ->
                synchronized(lockOf(state.name)) {
                    if (state.lastAccess < limit && state.listeners.isEmpty() && services.remove(state.name, state)) {
                        runCatching { naming.unsubscribe(state.name, config.group, state.listener) }
                        locks.remove(state.name)
                        log.debug("Unsubscribed from {}: not called for {}", state.name, subscriptionIdleTimeout)
                    }
                }
            }
        }

        /** The current instances of [serviceName], without suspending (the first call for a service blocks on Nacos). */
        public fun snapshot(serviceName: String): List<ServiceInstance> =
            state(serviceName).also { it.lastAccess = System.nanoTime() }.instances

        /** How fresh the list of [serviceName] is; null if it was never resolved, or was dropped after going unused. */
        public fun status(serviceName: String): InstanceListStatus? =
            services[serviceName]?.let { InstanceListStatus(serviceName, it.instances, it.updatedAt, it.heldBackSince) }

        override fun subscribe(
            serviceName: String,
            listener: InstanceListener,
        ): AutoCloseable {
            // under the service's lock, so the idle sweep never drops a state a listener is being added to
            val state = synchronized(lockOf(serviceName)) { state(serviceName).also { it.listeners += listener } }
            return AutoCloseable { state.listeners -= listener }
        }

        /**
         * The services this registry has resolved and still follows (no Nacos round trip: this runs on the call path
         * of failing calls); services unused for the idle timeout are no longer listed.
         */
        override fun knownServices(): Set<String> = services.keys.toSet()

        /** Every service of the configured namespace and group that Nacos holds now, read page by page from the server. */
        override suspend fun listServices(): Set<String> =
            runInterruptible(Dispatchers.IO) {
                call("list its services") {
                    val names = LinkedHashSet<String>()
                    var page = 1
                    while (true) {
                        val view = naming.getServicesOfServer(page, LIST_PAGE_SIZE, config.group)
                        val data = view.data.orEmpty()
                        names += data
                        if (data.size < LIST_PAGE_SIZE || names.size >= view.count) break
                        page++
                    }
                    names
                }
            }

        override suspend fun register(instance: ServiceInstance) {
            runInterruptible(Dispatchers.IO) {
                synchronized(registered) {
                    val mine = registered.getOrPut(instance.serviceName) { mutableListOf() }
                    val updated = mine.filterNot { it.instanceId == instance.instanceId } + instance
                    call("register $instance") { publish(instance.serviceName, updated, removed = null) }
                    mine.clear()
                    mine.addAll(updated)
                }
            }
        }

        override suspend fun deregister(instance: ServiceInstance) {
            runInterruptible(Dispatchers.IO) {
                synchronized(registered) {
                    val mine = registered[instance.serviceName]
                    val updated = mine.orEmpty().filterNot { it.instanceId == instance.instanceId }
                    call("deregister $instance") { publish(instance.serviceName, updated, removed = instance) }
                    if (updated.isEmpty()) {
                        registered.remove(instance.serviceName)
                    } else {
                        mine?.apply {
                            clear()
                            addAll(updated)
                        }
                    }
                }
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

        /** Makes [instances] this client's registrations of [serviceName]. */
        private fun publish(
            serviceName: String,
            instances: List<ServiceInstance>,
            removed: ServiceInstance?,
        ) {
            when {
                // persistent instances are registered one by one, each on its own
                !config.ephemeral && removed != null -> naming.deregisterInstance(serviceName, config.group, toNacos(removed))

                !config.ephemeral -> naming.registerInstance(serviceName, config.group, toNacos(instances.last()))

                instances.isEmpty() -> naming.deregisterInstance(serviceName, config.group, toNacos(removed!!))

                instances.size == 1 -> naming.registerInstance(serviceName, config.group, toNacos(instances[0]))

                else -> naming.batchRegisterInstance(serviceName, config.group, instances.map(::toNacos))
            }
        }

        /** Unsubscribes and disconnects from Nacos. */
        override fun close() {
            services.values.forEach { state ->
                runCatching { naming.unsubscribe(state.name, config.group, state.listener) }
            }
            services.clear()
            javaScope.cancel()
            runCatching { naming.shutDown() }
        }

        private fun state(serviceName: String): ServiceState =
            services[serviceName] ?: synchronized(lockOf(serviceName)) {
                services[serviceName] ?: ServiceState(serviceName).also { state ->
                    call("list the instances of $serviceName") {
                        // subscribe with our listener first, then read the list the subscription cached: one subscription (no
                        // "duplicate subscribe" warning), and no change can slip between the read and the listener
                        naming.subscribe(serviceName, config.group, state.listener)
                        state.apply(naming.getAllInstances(serviceName, config.group, emptyList(), true), initial = true)
                    }
                    services[serviceName] = state
                }
            }

        /** The lock of [serviceName]'s state; dropped with the state, so names called once leave nothing behind. */
        private fun lockOf(serviceName: String): Any = locks.computeIfAbsent(serviceName) { Any() }

        private fun <T> call(
            what: String,
            block: () -> T,
        ): T =
            try {
                block()
            } catch (e: NacosException) {
                throw SwitchboardException("Nacos at ${config.serverAddr} could not $what: ${e.errMsg ?: e.message} (code ${e.errCode})", e)
            }

        private fun toNacos(instance: ServiceInstance): Instance =
            Instance().apply {
                ip = instance.host
                port = instance.port
                weight = instance.weight
                clusterName = if (instance.cluster == ServiceInstance.DEFAULT_CLUSTER) config.cluster else instance.cluster
                isHealthy = instance.healthy
                isEnabled = true
                isEphemeral = config.ephemeral
                serviceName = instance.serviceName
                metadata = HashMap(instance.metadata).apply { if (instance.secure) put(SECURE, "true") }
            }

        private fun fromNacos(
            serviceName: String,
            instance: Instance,
        ): ServiceInstance =
            ServiceInstance(
                serviceName = serviceName,
                host = instance.ip,
                port = instance.port,
                instanceId = instance.instanceId ?: "${instance.ip}#${instance.port}#${instance.clusterName}",
                secure = instance.metadata?.get(SECURE) == "true",
                weight = instance.weight,
                healthy = instance.isHealthy && instance.isEnabled,
                cluster = instance.clusterName ?: ServiceInstance.DEFAULT_CLUSTER,
                metadata = instance.metadata.orEmpty(),
            )

        /** One subscribed service: its current list, when it changed, and whether an empty push is being held back. */
        private inner class ServiceState(
            val name: String,
        ) {
            @Volatile
            var instances: List<ServiceInstance> = emptyList()

            @Volatile
            var updatedAt: Instant = Instant.now()

            @Volatile
            var heldBackSince: Instant? = null

            @Volatile
            var lastAccess: Long = System.nanoTime()

            val listeners = CopyOnWriteArrayList<InstanceListener>()

            val listener =
                EventListener { event ->
                    if (event is NamingEvent) apply(event.instances.orEmpty(), initial = false)
                }

            @Synchronized
            fun apply(
                raw: List<Instance>,
                initial: Boolean,
            ) {
                val all = raw.map { fromNacos(name, it) }
                if (all.isEmpty() && instances.isNotEmpty() && config.emptyPushProtection) {
                    if (heldBackSince == null) heldBackSince = Instant.now()
                    log.warn(
                        "Nacos pushed an empty instance list for {}; keeping the last {} instance(s) from {} (empty-push-protection)",
                        name,
                        instances.size,
                        updatedAt,
                    )
                    return
                }
                val sameCluster = all.filter { it.cluster == config.cluster && it.isEligible }
                val offered = if (sameCluster.isNotEmpty() && sameCluster.size < all.size) sameCluster else all
                if (!initial && offered == instances) return
                instances = offered
                updatedAt = Instant.now()
                heldBackSince = null
                if (!initial) log.debug("Nacos pushed {} instance(s) of {}", offered.size, name)
                listeners.forEach { runCatching { it.onChange(name, offered) } }
            }
        }

        /** Naming a Nacos configuration. */
        public companion object {
            private const val SECURE = "secure"
            private const val LIST_PAGE_SIZE = 500

            /** What [config] points at, as [description] says it: `nacos 10.0.0.5:8848 (namespace 'prod', group G)`. */
            @JvmStatic
            public fun describe(config: NacosConfig): String =
                "nacos ${config.serverAddr} (namespace '${config.namespace}', group ${config.group})"

            private val log = LoggerFactory.getLogger(NacosRegistry::class.java)

            private fun connect(
                config: NacosConfig,
                startupTimeout: Duration,
            ): NamingService {
                // keep nacos-client from replacing the application's logging configuration
                if (System.getProperty("nacos.logging.default.config.enabled") == null) {
                    System.setProperty("nacos.logging.default.config.enabled", "false")
                }
                val properties =
                    Properties().apply {
                        put(PropertyKeyConst.SERVER_ADDR, config.serverAddr)
                        put(PropertyKeyConst.NAMESPACE, config.namespace)
                        put(PropertyKeyConst.CLUSTER_NAME, config.cluster)
                        put(PropertyKeyConst.NAMING_LOAD_CACHE_AT_START, "false")
                        config.username?.let { put(PropertyKeyConst.USERNAME, it) }
                        config.password?.let { put(PropertyKeyConst.PASSWORD, it) }
                    }
                val naming =
                    try {
                        NamingFactory.createNamingService(properties)
                    } catch (e: NacosException) {
                        throw SwitchboardException("could not create a Nacos client for ${config.serverAddr}: ${e.errMsg ?: e.message}", e)
                    }
                val executor = Executors.newSingleThreadExecutor { Thread(it, "switchboard-nacos-check").apply { isDaemon = true } }
                try {
                    executor
                        .submit<Any> {
                            naming.getServicesOfServer(
                                1,
                                1,
                                config.group,
                            )
                        }.get(startupTimeout.toMillis(), TimeUnit.MILLISECONDS)
                    return naming
                } catch (e: ExecutionException) {
                    runCatching { naming.shutDown() }
                    val cause = e.cause
                    if (cause is NacosException && (cause.errCode == 401 || cause.errCode == 403)) {
                        throw ConfigurationException(
                            "Nacos at ${config.serverAddr} refused user '${config.username ?: ""}': ${cause.errMsg} " +
                                "(check app-registry.nacos.username and password)",
                            cause,
                        )
                    }
                    throw SwitchboardException("Nacos at ${config.serverAddr} did not answer a naming request: ${cause?.message}", cause)
                } catch (e: InterruptedException) {
                    runCatching { naming.shutDown() }
                    Thread.currentThread().interrupt()
                    throw SwitchboardException("interrupted while connecting to Nacos at ${config.serverAddr}", e)
                } catch (e: TimeoutException) {
                    runCatching { naming.shutDown() }
                    throw SwitchboardException(
                        "Nacos at ${config.serverAddr} did not answer within ${startupTimeout.toMillis()} ms (is app-registry.nacos.server-addr right and the server up?)",
                        e,
                    )
                } finally {
                    executor.shutdownNow()
                }
            }
        }
    }
