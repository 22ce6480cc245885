package io.switchboard

import io.switchboard.balancer.LoadBalancers
import io.switchboard.codec.JsonCodec
import io.switchboard.discovery.InMemoryRegistry
import io.switchboard.discovery.InstanceSnapshot
import io.switchboard.discovery.SnapshotDiscovery
import io.switchboard.spi.CallInterceptor
import io.switchboard.spi.Codec
import io.switchboard.spi.InstanceEventListener
import io.switchboard.spi.Interceptor
import io.switchboard.spi.JavaCallInterceptor
import io.switchboard.spi.JavaInterceptor
import io.switchboard.spi.LoadBalancerFactory
import io.switchboard.spi.ManagerExtension
import io.switchboard.spi.RegistryConnection
import io.switchboard.spi.ServiceDiscovery
import io.switchboard.spi.ServiceRegistry
import org.slf4j.LoggerFactory
import java.nio.file.Path
import java.time.Duration
import kotlin.time.toJavaDuration

/**
 * Builds a [ServiceManager]: `ServiceManager.builder()` from Java, `ServiceManager { … }` from Kotlin.
 *
 * Every setter checks its value at once and throws [ConfigurationException] naming the setting, the
 * value and what is expected.
 */
public class ServiceManagerBuilder internal constructor() {
    internal var discovery: ServiceDiscovery? = null
    internal val staticInstances: MutableMap<String, List<ServiceInstance>> = LinkedHashMap()
    internal var defaultBalancer: LoadBalancerFactory = LoadBalancers.factory(LoadBalancers.LEAST_REQUESTS)
    internal val serviceSettings: MutableMap<String, ServiceSettings> = LinkedHashMap()
    internal val interceptors: MutableList<Interceptor> = ArrayList()
    internal var codec: Codec = JsonCodec()
    internal var engine: HttpEngine = HttpEngine.NETTY
    internal var connectTimeout: Duration = Duration.ofSeconds(6)
    internal var readTimeout: Duration = Duration.ofSeconds(30)
    internal var requestTimeout: Duration? = null
    internal var connectionPoolSize: Int = 100
    internal var keepAlive: Duration = Duration.ofMinutes(5)
    internal var registryConfig: io.switchboard.config.SwitchboardConfig? = null
    internal var transport: io.ktor.client.engine.HttpClientEngine? = null
    internal var defaultChannel: io.switchboard.service.Channel? = null
    internal val localServices: MutableMap<Class<*>, Any> = LinkedHashMap()
    internal var eagerValidation: Boolean = false
    internal val configuredInterceptors: MutableSet<String> = HashSet()
    internal var selfRegistry: ServiceRegistry? = null
    internal var selfInstance: ServiceInstance? = null
    internal var registrationTimeout: Duration = Duration.ofSeconds(10)
    internal var retry: RetryPolicy = RetryPolicy.DEFAULT
    internal var outlierDetection: OutlierDetection = OutlierDetection.DEFAULT
    internal var instanceSnapshot: InstanceSnapshot? = null
    internal var tls: io.switchboard.tls.ClientTls = io.switchboard.tls.ClientTls.DEFAULT

    /**
     * How instances the registry marks secure are called over `https`: the certificates trusted (the JVM's by
     * default), a client certificate for servers that ask for one, hostname verification (on by default). A
     * service's own settings may replace it ([ServiceSettings.Builder.tls]).
     */
    public fun tls(tls: io.switchboard.tls.ClientTls): ServiceManagerBuilder = apply { this.tls = tls }

    /**
     * Keeps the last good instance list of each called service in a file ([InstanceSnapshot]), so a manager
     * that starts while its registry is unreachable serves calls from it (stale, its age logged and visible
     * through [ServiceManager.snapshotDiscovery]) until the registry answers. With a registry from
     * configuration (`app-registry.…`) such a start no longer fails; with a [discovery] given here, the snapshot
     * serves the services it cannot list. Off by default; the embedded registry needs none.
     */
    public fun instanceSnapshot(snapshot: InstanceSnapshot): ServiceManagerBuilder = apply { instanceSnapshot = snapshot }

    /** [instanceSnapshot] at [path], trusting snapshots up to [InstanceSnapshot.DEFAULT_MAX_AGE] old. */
    public fun instanceSnapshot(path: Path): ServiceManagerBuilder = instanceSnapshot(InstanceSnapshot(path))

    /**
     * When an instance whose calls keep failing is taken out of rotation for a while; [OutlierDetection.DEFAULT]
     * (5 failures in a row or a refused connection, 30 s × times ejected, at most half the instances) by
     * default, [OutlierDetection.DISABLED] to turn it off. A service's own settings replace it.
     */
    public fun outlierDetection(policy: OutlierDetection): ServiceManagerBuilder = apply { outlierDetection = policy }

    /**
     * When failed attempts are tried again on another instance; [RetryPolicy.DEFAULT] (3 attempts, budgeted)
     * by default. A service's, a spec endpoint's or interface method's and a call's own policy win over it;
     * the keys a YAML `services.<name>.retry` section leaves out come from it, even when set after [config].
     */
    public fun retry(policy: RetryPolicy): ServiceManagerBuilder = apply { retry = policy }

    /**
     * Where instances are looked up; the manager's own embedded registry when not set. The manager does
     * not close it: one discovery may serve several managers.
     */
    public fun discovery(discovery: ServiceDiscovery): ServiceManagerBuilder = apply { this.discovery = discovery }

    /** A fixed list of instances for [serviceName]; it takes precedence over [discovery] for that service. */
    public fun staticInstances(
        serviceName: String,
        instances: List<ServiceInstance>,
    ): ServiceManagerBuilder =
        apply {
            instances.forEach {
                if (it.serviceName != serviceName) {
                    throw ConfigurationException(
                        "staticInstances($serviceName): instance $it has serviceName '${it.serviceName}' (expected: '$serviceName')",
                    )
                }
            }
            staticInstances[serviceName] = instances.toList()
        }

    /** A fixed list of instances for [serviceName]. */
    public fun staticInstances(
        serviceName: String,
        vararg instances: ServiceInstance,
    ): ServiceManagerBuilder = staticInstances(serviceName, instances.toList())

    /**
     * Registers [self] in [registry] when the manager is started (`start()` / `startAsync()`), and
     * deregisters it when it is stopped or closed (before anything else closes), as aio-service-caller's
     * manager does. A manager that is never started registers nothing (and says so when closed).
     */
    public fun registerSelf(
        registry: ServiceRegistry,
        self: ServiceInstance,
    ): ServiceManagerBuilder =
        apply {
            selfRegistry = registry
            selfInstance = self
        }

    /** How long registering and deregistering the application may take; 10 s by default. */
    public fun registrationTimeout(timeout: Duration): ServiceManagerBuilder =
        apply {
            registrationTimeout =
                positive("registrationTimeout", timeout)
        }

    /**
     * The strategy of every service without its own: one of [LoadBalancers.names]. The default is
     * [LoadBalancers.LEAST_REQUESTS], which stops sending calls to an instance whose calls pile up (a hung
     * or slow one) by itself.
     */
    public fun loadBalancer(name: String): ServiceManagerBuilder = apply { defaultBalancer = LoadBalancers.factory(name) }

    /** A custom strategy for every service without its own. */
    public fun loadBalancer(factory: LoadBalancerFactory): ServiceManagerBuilder = apply { defaultBalancer = factory }

    /** The strategy of [serviceName]: one of [LoadBalancers.names]. */
    public fun loadBalancer(
        serviceName: String,
        name: String,
    ): ServiceManagerBuilder = loadBalancer(serviceName, LoadBalancers.factory(name))

    /** A custom strategy for [serviceName]. */
    public fun loadBalancer(
        serviceName: String,
        factory: LoadBalancerFactory,
    ): ServiceManagerBuilder = service(serviceName, settingsOf(serviceName).newBuilder().loadBalancer(factory).build())

    /** Settings of [serviceName] (strategy, timeouts) that replace the manager's; replaces earlier ones. */
    public fun service(
        serviceName: String,
        settings: ServiceSettings,
    ): ServiceManagerBuilder =
        apply {
            if (serviceName.isBlank()) throw ConfigurationException("service name: '$serviceName' (expected: a non-blank name)")
            serviceSettings[serviceName] = settings
        }

    /** Settings of [serviceName], for Kotlin callers: `service("orders") { requestTimeout(2.seconds) }`. */
    @JvmSynthetic
    public fun service(
        serviceName: String,
        configure: ServiceSettings.Builder.() -> Unit,
    ): ServiceManagerBuilder = service(serviceName, settingsOf(serviceName).newBuilder().apply(configure).build())

    /**
     * Applies a loaded configuration: the `service-caller` section (strategy, timeouts, pool, engine,
     * interceptors, per-service settings and static instances). Builder calls after this one win.
     */
    public fun config(config: io.switchboard.config.SwitchboardConfig): ServiceManagerBuilder =
        apply {
            val before = interceptors.map { it.name }.toSet()
            config.applyTo(this)
            configuredInterceptors += interceptors.map { it.name }.filterNot { it in before }
        }

    private fun settingsOf(serviceName: String): ServiceSettings = serviceSettings[serviceName] ?: ServiceSettings.NONE

    /**
     * Adds an interceptor; one whose name is already present is ignored — unless that one came from a
     * configuration applied with [config], which a later builder call replaces.
     */
    public fun addInterceptor(interceptor: Interceptor): ServiceManagerBuilder =
        apply {
            if (configuredInterceptors.remove(interceptor.name)) {
                interceptors.removeAll { it.name == interceptor.name }
                callInterceptors.removeAll { it.name == interceptor.name }
            }
            if (interceptors.none { it.name == interceptor.name }) {
                interceptors += interceptor
                // one that also wraps attempts (signing, say) is installed in both chains
                if (interceptor is CallInterceptor) addCallInterceptor(interceptor)
            }
        }

    /** Adds a Java interceptor; one whose name is already present is ignored. */
    public fun addInterceptor(interceptor: JavaInterceptor): ServiceManagerBuilder = addInterceptor(interceptor.asInterceptor())

    internal val callInterceptors: MutableList<CallInterceptor> = ArrayList()

    /** Adds an interceptor that wraps calls or their attempts; one whose name is already present is ignored. */
    public fun addCallInterceptor(interceptor: CallInterceptor): ServiceManagerBuilder =
        apply { if (callInterceptors.none { it.name == interceptor.name }) callInterceptors += interceptor }

    /** Adds a Java interceptor that wraps calls or their attempts; one whose name is already present is ignored. */
    public fun addCallInterceptor(interceptor: JavaCallInterceptor): ServiceManagerBuilder =
        addCallInterceptor(interceptor.asCallInterceptor())

    internal val extensions: MutableList<ManagerExtension> = ArrayList()
    internal val instanceListeners: MutableList<InstanceEventListener> = ArrayList()

    /**
     * Adds an extension that instruments the manager as a whole (sdk-observability's metrics and traces,
     * say); it is installed when the manager is built. One whose name is already present is ignored.
     */
    public fun addExtension(extension: ManagerExtension): ServiceManagerBuilder =
        apply { if (extensions.none { it.name == extension.name }) extensions += extension }

    /** Adds a listener told when outlier detection ejects an instance or lets it back. */
    public fun addInstanceListener(listener: InstanceEventListener): ServiceManagerBuilder = apply { instanceListeners += listener }

    /** The codec for request and response bodies; [JsonCodec] by default. */
    public fun codec(codec: Codec): ServiceManagerBuilder = apply { this.codec = codec }

    /**
     * Sends calls through this Ktor engine instead of a pooled OkHttp or CIO client: for tests, a mock
     * engine that answers without a network (sdk-test's `MockTransport`). The manager closes it.
     */
    public fun transport(engine: io.ktor.client.engine.HttpClientEngine): ServiceManagerBuilder = apply { transport = engine }

    /**
     * The channel service proxies use unless one is given to `getService`. Unset by default: then
     * `local` when a local implementation is registered, else the channel the instances advertise.
     */
    public fun defaultChannel(channel: io.switchboard.service.Channel): ServiceManagerBuilder = apply { defaultChannel = channel }

    /** An implementation of service interface [type] in this process: proxies of it call it directly (the `local` channel). */
    public fun <T : Any> localService(
        type: Class<T>,
        implementation: T,
    ): ServiceManagerBuilder = apply { localServices[type] = implementation }

    /** Whether `getService` checks every method of an interface at once (and reports all problems); off by default. */
    public fun eagerValidation(enabled: Boolean): ServiceManagerBuilder = apply { eagerValidation = enabled }

    /** The Ktor client engine; [HttpEngine.NETTY] by default. */
    public fun engine(engine: HttpEngine): ServiceManagerBuilder = apply { this.engine = engine }

    /** How long establishing a connection may take (the seed's `connection-timeout`); 6 s by default. */
    public fun connectTimeout(timeout: Duration): ServiceManagerBuilder = apply { connectTimeout = positive("connectTimeout", timeout) }

    /** How long a connection may stay silent while a response is awaited (the seed's `read-timeout`); 30 s by default. */
    public fun readTimeout(timeout: Duration): ServiceManagerBuilder = apply { readTimeout = positive("readTimeout", timeout) }

    /** How long a whole call may take; unlimited by default. A per-call timeout replaces it. */
    public fun requestTimeout(timeout: Duration): ServiceManagerBuilder = apply { requestTimeout = positive("requestTimeout", timeout) }

    /** How long an idle pooled connection is kept; 5 minutes by default. */
    public fun keepAlive(duration: Duration): ServiceManagerBuilder = apply { keepAlive = positive("keepAlive", duration) }

    /** How many connections (and so concurrent calls) the manager keeps at most (the seed's `connection-pool-size`); 100 by default. */
    public fun connectionPoolSize(size: Int): ServiceManagerBuilder =
        apply {
            if (size <= 0) throw ConfigurationException("connectionPoolSize: $size (expected: > 0)")
            connectionPoolSize = size
        }

    /** [connectTimeout] for Kotlin callers. */
    @JvmSynthetic
    public fun connectTimeout(timeout: kotlin.time.Duration): ServiceManagerBuilder = connectTimeout(timeout.toJavaDuration())

    /** [readTimeout] for Kotlin callers. */
    @JvmSynthetic
    public fun readTimeout(timeout: kotlin.time.Duration): ServiceManagerBuilder = readTimeout(timeout.toJavaDuration())

    /** [requestTimeout] for Kotlin callers. */
    @JvmSynthetic
    public fun requestTimeout(timeout: kotlin.time.Duration): ServiceManagerBuilder = requestTimeout(timeout.toJavaDuration())

    /** [keepAlive] for Kotlin callers. */
    @JvmSynthetic
    public fun keepAlive(duration: kotlin.time.Duration): ServiceManagerBuilder = keepAlive(duration.toJavaDuration())

    /**
     * The manager.
     *
     * @throws ConfigurationException when a configured registry (`app-registry.nacos`, …) has no adapter
     * on the classpath and no [discovery] was given.
     */
    public fun build(): ServiceManager {
        val connection = connectConfiguredRegistry()
        try {
            return ServiceManager(this, connection)
        } catch (e: Throwable) {
            connection?.close()
            throw e
        }
    }

    private fun connectConfiguredRegistry(): RegistryConnection? =
        if (discovery != null) null else registryConfig?.connectRegistry(instanceSnapshot)

    /** The snapshot-backed discovery of [connection], or one made here over the [discovery] given; null without a snapshot. */
    internal fun snapshotDiscovery(connection: RegistryConnection?): SnapshotDiscovery? {
        (connection?.discovery as? SnapshotDiscovery)?.let { return it }
        val snapshot = instanceSnapshot ?: return null
        val given = discovery
        if (given == null) {
            log.info("The instance snapshot at {} is not used: the manager has no registry but its embedded one", snapshot.path)
            return null
        }
        return SnapshotDiscovery(snapshot, given.description).also { it.connected(given, initially = true) }
    }

    internal fun resolveDiscovery(
        embedded: InMemoryRegistry,
        connection: RegistryConnection?,
        snapshotDiscovery: SnapshotDiscovery?,
    ): ServiceDiscovery {
        staticInstances.forEach { (name, list) -> embedded.replace(name, list) }
        val external = snapshotDiscovery ?: discovery ?: connection?.discovery ?: return embedded
        return if (staticInstances.isEmpty()) external else io.switchboard.discovery.CompositeDiscovery(listOf(embedded, external))
    }

    private fun positive(
        name: String,
        value: Duration,
    ): Duration = ServiceSettings.positive(name, value)

    private companion object {
        private val log = LoggerFactory.getLogger(ServiceManagerBuilder::class.java)
    }
}
