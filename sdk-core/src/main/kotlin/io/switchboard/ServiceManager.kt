package io.switchboard

import io.switchboard.discovery.InMemoryRegistry
import io.switchboard.discovery.SnapshotDiscovery
import io.switchboard.interceptor.ServiceScopedInterceptor
import io.switchboard.internal.HttpSettings
import io.switchboard.internal.InterceptorChain
import io.switchboard.internal.call.CallPipeline
import io.switchboard.internal.call.FailureTranslator
import io.switchboard.internal.call.InstanceSelector
import io.switchboard.internal.call.KtorCallTransport
import io.switchboard.internal.call.RequestWriter
import io.switchboard.internal.call.ResponseDecoder
import io.switchboard.internal.call.Retries
import io.switchboard.internal.call.TimeoutPolicy
import io.switchboard.internal.createHttpClient
import io.switchboard.internal.netty.DepartedInstances
import io.switchboard.internal.netty.NettyCallTransport
import io.switchboard.internal.netty.NettyClient
import io.switchboard.service.Channel
import io.switchboard.service.ServiceProxies
import io.switchboard.spi.CallInterceptor
import io.switchboard.spi.InstanceEventListener
import io.switchboard.spi.Interceptor
import io.switchboard.spi.JavaCallInterceptor
import io.switchboard.spi.JavaInterceptor
import io.switchboard.spi.RegistryConnection
import io.switchboard.spi.ServiceDiscovery
import io.switchboard.spi.ServiceRegistry
import kotlinx.coroutines.CoroutineName
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import kotlinx.coroutines.future.future
import java.time.Duration
import java.util.concurrent.CompletableFuture
import java.util.concurrent.CopyOnWriteArrayList
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicBoolean
import kotlin.coroutines.CoroutineContext
import kotlin.coroutines.EmptyCoroutineContext

/**
 * Calls services by name: finds their instances, picks one with the service's load balancer, runs the
 * interceptors around the call, sends it over one pooled HTTP client and decodes the answer.
 *
 * Kotlin: `manager.get<User>("user-service", "/users/42")` and the other verbs of [ServiceCalls].
 * Java: `manager.async().get(service, path, User.class)` ([async]). Cancelling a call (the calling
 * coroutine or the future) aborts its HTTP call.
 *
 * Build one with `ServiceManager { … }` (Kotlin) or [builder] (Java). A manager that registers the
 * application itself does so in [start] (Java: [startAsync]) and deregisters in [stop] (Java:
 * [stopAsync]); [close] releases everything.
 */
public class ServiceManager internal constructor(
    builder: ServiceManagerBuilder,
    private val connection: RegistryConnection?,
) : ServiceCalls(),
    AutoCloseable {
    /** The manager's embedded registry; it holds the static instance lists and can register more at run time. */
    public val embeddedRegistry: InMemoryRegistry = InMemoryRegistry()

    /**
     * The registry's discovery with the instance snapshot behind it, when the builder or the configuration
     * set one (`instanceSnapshot`, `service-caller.instance-snapshot`): its `status` tells whether a service's
     * list is live or served stale from the snapshot, and how old. Null without a snapshot.
     */
    public val snapshotDiscovery: SnapshotDiscovery? = builder.snapshotDiscovery(connection)

    /** Where instances are looked up. */
    public val discovery: ServiceDiscovery = builder.resolveDiscovery(embeddedRegistry, connection, snapshotDiscovery)

    /**
     * Where the application registers: the one given to `registerSelf`, else the configured registry's
     * (so a `ServiceServer` in the same application shares the manager's connection); null when neither
     * exists.
     */
    public val registry: ServiceRegistry? = builder.selfRegistry ?: connection?.registry

    /** The application's own instance, registered between [start] and [stop]; null when it registers nothing. */
    public val selfInstance: ServiceInstance? = builder.selfInstance ?: connection?.self

    private val registrationTimeout = builder.registrationTimeout

    /** How long establishing a connection may take. */
    public val connectTimeout: Duration = builder.connectTimeout

    /** How long a connection may stay silent while a response is awaited. */
    public val readTimeout: Duration = builder.readTimeout

    /** How long a whole call may take, or null for no limit. */
    public val requestTimeout: Duration? = builder.requestTimeout

    /** How many connections (and concurrent calls) the manager keeps at most. */
    public val connectionPoolSize: Int = builder.connectionPoolSize

    /** The Ktor client engine. */
    public val engine: HttpEngine = builder.engine

    private val settings =
        HttpSettings(builder.engine, connectTimeout, readTimeout, requestTimeout, connectionPoolSize, builder.keepAlive, builder.tls)
    private val transport = builder.transport

    // the default engine's client: the manager's calls go straight over it, with no Ktor HttpClient
    private val netty: NettyClient? =
        if (transport == null && settings.engine == HttpEngine.NETTY) NettyClient(connectionPoolSize, builder.keepAlive) else null
    private val client = if (netty == null) createHttpClient(settings, transport) else null

    // the interceptors of one service's settings run for that service's calls only, in place of the manager's of
    // the same name; a service's own credentials (a bearer token or a signing key) replace the manager's of either kind
    private val scoped =
        builder.serviceSettings.flatMap { (name, own) -> own.interceptors.map { ServiceScopedInterceptor.of(name, it) } }
    private val replaced: Map<String, Set<String>> =
        builder.serviceSettings
            .flatMap { (service, own) -> own.interceptors.flatMap { i -> ServiceScopedInterceptor.replaces(i.name).map { it to service } } }
            .groupBy({ it.first }, { it.second })
            .mapValues { it.value.toSet() }
    private val chain =
        InterceptorChain(
            builder.interceptors.map(::scopedForServices) + scoped,
            Interceptor::name,
            Interceptor::order,
        )
    private val callChain =
        InterceptorChain(
            builder.callInterceptors.map { c ->
                val services = replaced[c.name]
                if (services != null && c is Interceptor) ServiceScopedInterceptor.except(services, c) as CallInterceptor else c
            } + scoped.filterIsInstance<CallInterceptor>(),
            CallInterceptor::name,
            CallInterceptor::order,
        )
    private val codec = builder.codec
    private val instanceListeners = CopyOnWriteArrayList(builder.instanceListeners)
    private val extensions = builder.extensions.toList()
    private val installed = ArrayList<AutoCloseable>()
    private val serviceSettings: Map<String, ServiceSettings> = LinkedHashMap(builder.serviceSettings)

    init {
        val ownTls = serviceSettings.filterValues { it.tls != null }.keys
        if (ownTls.isNotEmpty() && (transport != null || engine != HttpEngine.NETTY)) {
            throw ConfigurationException("TLS settings of their own for $ownTls need the default netty engine (this manager uses $engine)")
        }
    }

    private val defaultBalancer = builder.defaultBalancer
    private val timeouts = TimeoutPolicy(settings, serviceSettings)
    private val outlierDetection = builder.outlierDetection

    // the Netty engine closes the connections to instances as soon as they leave the registry
    private val departed = netty?.let { DepartedInstances(discovery, it) }
    private val selector =
        InstanceSelector(
            discovery,
            { serviceSettings[it]?.loadBalancer ?: defaultBalancer },
            outlierDetection = { serviceSettings[it]?.outlierDetection ?: outlierDetection },
            onNewService = { name, instances -> departed?.follow(name, instances) },
            listeners = { instanceListeners },
        )
    private val decoder = ResponseDecoder(codec)
    private val writer = RequestWriter(codec, timeouts)
    private val pipeline =
        CallPipeline(
            netty?.let { n ->
                NettyCallTransport(n, writer, settings) { service -> (serviceSettings[service]?.tls ?: builder.tls).nettyContext }
            } ?: KtorCallTransport(client!!, writer),
            selector,
            writer,
            FailureTranslator(timeouts),
            timeouts,
            Retries(builder.retry, serviceSettings, selector),
            chain,
            callChain,
            connectionPoolSize,
        )
    private val scope = CoroutineScope(SupervisorJob() + Dispatchers.Default + CoroutineName("switchboard"))
    private val proxies =
        ServiceProxies(this, codec, builder.defaultChannel, builder.localServices, builder.eagerValidation, scope)
    private val asyncFace = AsyncServiceManager(this)
    private val closed = AtomicBoolean(false)
    private val registration = SelfRegistration(selfInstance?.let { self -> registry?.let { it to self } }, registrationTimeout)

    init {
        // last: an extension sees a whole manager
        try {
            for (extension in extensions) installed += extension.install(this)
        } catch (e: Throwable) {
            close()
            throw e
        }
    }

    // ---------------------------------------------------------------- calls

    override suspend fun request(
        method: String,
        serviceName: String,
        path: String,
        type: BodyType,
        options: RequestOptions,
    ): Any? {
        ensureOpen()
        return pipeline.execute(method, serviceName, path, options) { response, context -> decoder.decoded(response, context, type) }
    }

    @JvmSynthetic
    override suspend fun <R> rawRequest(
        method: String,
        serviceName: String,
        path: String,
        options: RequestOptions,
        block: suspend (RawResponse) -> R,
    ): R {
        ensureOpen()
        return pipeline.execute(method, serviceName, path, options) { response, context ->
            block(RawResponse(response, context.selectedInstance!!, context.response!!, codec))
        }
    }

    override suspend fun head(
        serviceName: String,
        path: String,
        options: RequestOptions,
    ): ResponseInfo {
        ensureOpen()
        return pipeline.execute("HEAD", serviceName, path, options) { response, context ->
            decoder.decoded(response, context, NO_BODY)
            context.response!!
        }
    }

    /**
     * Runs one call with [attributes] preset on its context (and, when given, on the [pinned] instance
     * while it stays eligible) and hands both the raw response and the context to [block]; the building
     * block of the clients layered on the manager.
     */
    @JvmSynthetic
    internal suspend fun <R> exchange(
        method: String,
        serviceName: String,
        path: String,
        options: RequestOptions,
        attributes: Map<String, Any>,
        pinned: ServiceInstance? = null,
        block: suspend (RawResponse, RequestContext) -> R,
    ): R {
        ensureOpen()
        return pipeline.execute(method, serviceName, path, options, attributes, pinned) { response, context ->
            block(RawResponse(response, context.selectedInstance!!, context.response!!, codec), context)
        }
    }

    /**
     * The instance the service's balancer picks for a call now, or null when there is none (a proxy picks
     * its channel by it, before the call's method and path are known: the balancer sees only the service).
     */
    @JvmSynthetic
    internal suspend fun chooseInstanceOrNull(serviceName: String): ServiceInstance? {
        ensureOpen()
        return try {
            selector.choose(RequestContext("POST", serviceName, "/"), countCall = false)
        } catch (_: NoInstanceAvailableException) {
            null
        }
    }

    /**
     * What this manager knows of each instance of [serviceName] from its own calls: attempts in flight,
     * latency, failures in a row and ejection (see [OutlierDetection]). It covers the instance list the
     * service's last call saw, and is empty for a service not called yet (or not for ten minutes). Cheap
     * and non-blocking, for Kotlin and Java alike.
     */
    public fun instanceStates(serviceName: String): List<InstanceState> = selector.states(serviceName)

    /** Adds a listener told when outlier detection ejects an instance of any service or lets it back. */
    public fun addInstanceListener(listener: InstanceEventListener) {
        instanceListeners += listener
    }

    /** Removes a listener added with [addInstanceListener]; false when it was not there. */
    public fun removeInstanceListener(listener: InstanceEventListener): Boolean = instanceListeners.remove(listener)

    /**
     * How many attempts wait now for one of the [connectionPoolSize] connection permits (a gauge for
     * metrics: above zero for long, the pool is too small for the load).
     */
    public val connectionsWaiting: Int get() = pipeline.connectionsWaiting

    /** The CompletableFuture face of this manager, for Java: `manager.async().get(service, path, User.class)`. */
    public fun async(): AsyncServiceManager = asyncFace

    // ---------------------------------------------------------------- service interfaces

    /**
     * A proxy of service interface [type]: each call goes over [channel] — or the manager's default
     * channel, or `local` when an implementation was registered with `localService`, or else the channel
     * the chosen instance advertises in its registry metadata (`rest` for instances that advertise none).
     * With eager validation on, every method is checked now and all problems are reported at once.
     */
    @JvmOverloads
    public fun <T> getService(
        type: Class<T>,
        channel: Channel? = null,
    ): T {
        ensureOpen()
        return proxies.create(type, channel)
    }

    /** A proxy of service interface [T]; see [getService]. */
    public inline fun <reified T> getService(channel: Channel? = null): T = getService(T::class.java, channel)

    // ---------------------------------------------------------------- interceptors

    /** The interceptors, in the order they run. */
    public val interceptors: List<Interceptor> get() = chain.snapshot

    /** Adds [interceptor]; returns false (and changes nothing) if one with its name is present. Safe while calls run. */
    public fun addInterceptor(interceptor: Interceptor): Boolean = chain.add(scopedForServices(interceptor))

    /** Adds a Java interceptor; returns false if one with its name is present. */
    public fun addInterceptor(interceptor: JavaInterceptor): Boolean = addInterceptor(interceptor.asInterceptor())

    /** [interceptor], kept from the calls of services whose own settings have one in its place. */
    private fun scopedForServices(interceptor: Interceptor): Interceptor =
        replaced[interceptor.name]?.let { ServiceScopedInterceptor.except(it, interceptor) } ?: interceptor

    /** Removes the interceptor called [name]; returns whether there was one. Calls in flight keep the chain they started with. */
    public fun removeInterceptor(name: String): Boolean = chain.remove(name)

    /** Removes every interceptor, those of the services' own settings (`name@service`) included. */
    public fun clearInterceptors(): Unit = chain.clear()

    /** The interceptors that wrap calls and attempts, outermost first. */
    public val callInterceptors: List<CallInterceptor> get() = callChain.snapshot

    /** Adds a wrapping [interceptor]; returns false (and changes nothing) if one with its name is present. Safe while calls run. */
    public fun addCallInterceptor(interceptor: CallInterceptor): Boolean = callChain.add(interceptor)

    /** Adds a Java wrapping interceptor; returns false if one with its name is present. */
    public fun addCallInterceptor(interceptor: JavaCallInterceptor): Boolean = callChain.add(interceptor.asCallInterceptor())

    /** Removes the wrapping interceptor called [name]; returns whether there was one. */
    public fun removeCallInterceptor(name: String): Boolean = callChain.remove(name)

    // ---------------------------------------------------------------- lifecycle

    /** Whether [close] was called. */
    public val isClosed: Boolean get() = closed.get()

    /** Whether the application's own instance is registered now. */
    public val isRegistered: Boolean get() = registration.isRegistered

    /**
     * Registers the application's own instance ([selfInstance]) when the manager has one, bounded by the
     * registration timeout (10 s by default); does nothing otherwise, or when already registered.
     *
     * @throws SwitchboardException when the registry refuses or does not answer in time.
     */
    public suspend fun start(): ServiceManager {
        ensureOpen()
        registration.register()
        return this
    }

    /** Java twin of [start]. */
    public fun startAsync(): CompletableFuture<ServiceManager> = future { start() }

    /**
     * Deregisters the application (bounded by the registration timeout; a failure is logged), then
     * [close]s the manager. Idempotent.
     */
    public suspend fun stop() {
        if (closed.get()) return
        registration.deregister()
        close()
    }

    /** Java twin of [stop]. */
    public fun stopAsync(): CompletableFuture<Void?> =
        if (closed.get()) {
            CompletableFuture.completedFuture(null)
        } else {
            scope
                .future<Void?> {
                    registration.deregister()
                    null
                }.whenComplete { _, _ -> close() }
        }

    /**
     * Cancels the calls in flight started through [async] and proxies, and closes the HTTP client, its
     * connections, the embedded registry and a registry connection made from configuration; calls made
     * afterwards fail naming the closed manager. A discovery passed to the builder belongs to the caller
     * and stays open. Idempotent.
     *
     * If the application is still registered (no [stop] was called), its deregistration is waited for
     * here, at most the registration timeout — the one case where this blocks the calling thread; call
     * [stop] from coroutines.
     */
    override fun close() {
        if (registration.hasTarget && !closed.get()) {
            if (!registration.everStarted) log.warn("{} is closed but was never started, so {} was never registered", this, selfInstance)
            // under the registration's lock: a registration still in flight is undone, not left behind
            try {
                scope.future { registration.deregister() }.get(registrationTimeout.toMillis() + GRACE_MILLIS, TimeUnit.MILLISECONDS)
            } catch (e: InterruptedException) {
                Thread.currentThread().interrupt()
            } catch (_: java.util.concurrent.CancellationException) {
                // stop() closed the manager meanwhile
            } catch (e: Exception) {
                log.warn("Could not deregister {} while closing: {}", selfInstance, e.toString())
            }
        }
        if (!closed.compareAndSet(false, true)) return
        for (closeable in installed.asReversed()) {
            try {
                closeable.close()
            } catch (e: Exception) {
                log.warn("Extension failed while closing: {}", e.toString())
            }
        }
        scope.cancel()
        client?.close()
        departed?.close()
        netty?.close()
        transport?.close()
        embeddedRegistry.close()
        // the snapshot over a discovery given to the builder is the manager's; a configured registry's goes with its connection
        if (snapshotDiscovery != null && connection?.discovery !== snapshotDiscovery) snapshotDiscovery.close()
        connection?.close()
    }

    /**
     * A future of [block] on the manager's scope, inheriting the calling thread's [CallDeadline] (a Java
     * implementation hosted in a `ServiceServer` runs with one); a failed one naming the cause once the
     * manager is closed.
     */
    internal fun <T> future(block: suspend () -> T): CompletableFuture<T> {
        if (closed.get()) return CompletableFuture.failedFuture(SwitchboardException(CLOSED))
        return scope.future(callerContext()) { block() }
    }

    /**
     * What a call started on this thread from blocking code carries into its coroutine: the thread's
     * [CallDeadline], and what the extensions take of the thread (a trace context).
     */
    internal fun callerContext(): CoroutineContext {
        var context: CoroutineContext = CallDeadline.current() ?: EmptyCoroutineContext
        for (extension in extensions) context += extension.callerContext()
        return context
    }

    private fun ensureOpen() {
        if (closed.get()) throw SwitchboardException(CLOSED)
    }

    override fun toString(): String = "ServiceManager(discovery=${discovery.description}, engine=$engine, pool=$connectionPoolSize)"

    /** Factories. */
    public companion object {
        /** A builder, for Java. */
        @JvmStatic
        public fun builder(): ServiceManagerBuilder = ServiceManagerBuilder()

        private const val CLOSED = "this ServiceManager is closed (build a new one)"
        private const val GRACE_MILLIS = 500L
        private val NO_BODY = BodyType.of(Unit::class.java)
        private val log = org.slf4j.LoggerFactory.getLogger(ServiceManager::class.java)
    }
}

/** Builds a [ServiceManager] with a Kotlin DSL: `ServiceManager { loadBalancer("random") }`. */
@JvmSynthetic
public inline fun ServiceManager(block: ServiceManagerBuilder.() -> Unit): ServiceManager = ServiceManager.builder().apply(block).build()
