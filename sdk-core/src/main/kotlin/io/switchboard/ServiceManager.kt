package io.switchboard

import io.switchboard.discovery.InMemoryRegistry
import io.switchboard.internal.CallPipeline
import io.switchboard.internal.HttpSettings
import io.switchboard.internal.InterceptorChain
import io.switchboard.internal.createHttpClient
import io.switchboard.service.AdvertisedChannelCall
import io.switchboard.service.BinaryDispatchCall
import io.switchboard.service.BinaryDispatchFormat
import io.switchboard.service.Channel
import io.switchboard.service.ChannelCall
import io.switchboard.service.DispatchJsonCall
import io.switchboard.service.LocalCall
import io.switchboard.service.RestCall
import io.switchboard.service.ServiceDescriptor
import io.switchboard.service.ServiceProxy
import io.switchboard.spi.Interceptor
import io.switchboard.spi.JavaInterceptor
import io.switchboard.spi.LoadBalancer
import io.switchboard.spi.RegistryConnection
import io.switchboard.spi.ServiceDiscovery
import io.switchboard.spi.ServiceRegistry
import kotlinx.coroutines.CoroutineName
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.TimeoutCancellationException
import kotlinx.coroutines.cancel
import kotlinx.coroutines.future.future
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import java.time.Duration
import java.util.concurrent.CompletableFuture
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.atomic.AtomicBoolean

/**
 * Calls services by name: finds their instances, picks one with the service's load balancer, runs the
 * interceptors around the call, sends it over one pooled HTTP client and decodes the answer.
 *
 * Kotlin: `manager.get<User>("user-service", "/users/42")` and the other HTTP methods return the
 * decoded body; `rawGet(...) { response -> … }` hands over the raw response inside a block that always
 * releases it. Java: `getAsync(service, path, User.class)` and `rawGetAsync(...)` return
 * `CompletableFuture`s; cancelling one (or the calling coroutine) aborts the HTTP call.
 *
 * Build one with `ServiceManager { … }` (Kotlin) or [builder] (Java); [close] it when done.
 */
public class ServiceManager internal constructor(
    builder: ServiceManagerBuilder,
    private val connection: RegistryConnection?,
) : AutoCloseable {
    /** The manager's embedded registry; it holds the static instance lists and can register more at run time. */
    public val embeddedRegistry: InMemoryRegistry = InMemoryRegistry()

    /** Where instances are looked up. */
    public val discovery: ServiceDiscovery = builder.resolveDiscovery(embeddedRegistry, connection)

    /** The application's own instance, registered while the manager is open; null when it registers nothing. */
    public val selfInstance: ServiceInstance? = builder.selfInstance ?: connection?.self

    private val selfRegistry: ServiceRegistry? = builder.selfRegistry ?: connection?.registry?.takeIf { connection.self != null }
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
        HttpSettings(
            builder.engine,
            builder.connectTimeout,
            builder.readTimeout,
            builder.requestTimeout,
            builder.connectionPoolSize,
            builder.keepAlive,
        )
    private val transport = builder.transport
    private val client = createHttpClient(settings, transport)
    private val chain = InterceptorChain(builder.interceptors)
    private val defaultBalancer = builder.defaultBalancer
    private val serviceSettings: Map<String, ServiceSettings> = LinkedHashMap(builder.serviceSettings)
    private val balancers = ConcurrentHashMap<String, LoadBalancer>()
    private val codec = builder.codec
    private val pipeline = CallPipeline(client, discovery, ::balancerFor, serviceSettings, chain, codec, settings)
    private val scope = CoroutineScope(SupervisorJob() + Dispatchers.Default + CoroutineName("switchboard"))
    private val closed = AtomicBoolean(false)

    init {
        val self = selfInstance
        if (self != null && selfRegistry != null) {
            try {
                blockingWithTimeout("registering $self") { selfRegistry.register(self) }
            } catch (e: Throwable) {
                client.close()
                transport?.close()
                throw e
            }
        }
    }

    private fun blockingWithTimeout(
        what: String,
        block: suspend () -> Unit,
    ) {
        try {
            runBlocking(Dispatchers.IO) { withTimeout(registrationTimeout.toMillis()) { block() } }
        } catch (e: TimeoutCancellationException) {
            throw SwitchboardException("$what took longer than ${registrationTimeout.toMillis()} ms (is the registry reachable?)", e)
        }
    }

    private fun balancerFor(serviceName: String): LoadBalancer =
        balancers.computeIfAbsent(serviceName) { (serviceSettings[it]?.loadBalancer ?: defaultBalancer).create(it) }

    // ---------------------------------------------------------------- the suspend core

    /**
     * Calls [method] [path] on [serviceName] and decodes a 2xx answer into [type].
     *
     * @throws NoInstanceAvailableException when no instance can be chosen.
     * @throws HttpStatusException when the answer is not 2xx.
     * @throws ServiceTimeoutException when a timeout fires.
     * @throws ServiceCallException when the connection fails or the body cannot be decoded.
     * @throws InvalidRequestException when [path] does not start with `/`.
     */
    public suspend fun request(
        method: String,
        serviceName: String,
        path: String,
        type: BodyType,
        options: RequestOptions = RequestOptions.NONE,
    ): Any? {
        ensureOpen()
        return pipeline.execute(method, serviceName, path, options) { response, context -> pipeline.decoded(response, context, type) }
    }

    /**
     * Calls [method] [path] on [serviceName] and hands the response, whatever its status, to [block];
     * the connection is released when [block] returns or throws.
     */
    public suspend fun <R> rawRequest(
        method: String,
        serviceName: String,
        path: String,
        options: RequestOptions = RequestOptions.NONE,
        block: suspend (RawResponse) -> R,
    ): R {
        ensureOpen()
        return pipeline.execute(method, serviceName, path, options) { response, context ->
            block(RawResponse(response, context.selectedInstance!!, context.response!!, codec))
        }
    }

    /**
     * Runs one call with [attributes] preset on its context and hands both the raw response and the
     * context to [block]; the building block of clients layered on the manager.
     */
    internal suspend fun <R> exchange(
        method: String,
        serviceName: String,
        path: String,
        options: RequestOptions,
        attributes: Map<String, Any>,
        block: suspend (RawResponse, RequestContext) -> R,
    ): R {
        ensureOpen()
        return pipeline.execute(method, serviceName, path, options, attributes) { response, context ->
            block(RawResponse(response, context.selectedInstance!!, context.response!!, codec), context)
        }
    }

    /** GET, decoded into [T]. */
    @Suppress("UNCHECKED_CAST")
    public suspend inline fun <reified T> get(
        serviceName: String,
        path: String,
        options: RequestOptions = RequestOptions.NONE,
    ): T = request("GET", serviceName, path, bodyTypeOf<T>(), options) as T

    /** POST, decoded into [T]. */
    @Suppress("UNCHECKED_CAST")
    public suspend inline fun <reified T> post(
        serviceName: String,
        path: String,
        options: RequestOptions = RequestOptions.NONE,
    ): T = request("POST", serviceName, path, bodyTypeOf<T>(), options) as T

    /** PUT, decoded into [T]. */
    @Suppress("UNCHECKED_CAST")
    public suspend inline fun <reified T> put(
        serviceName: String,
        path: String,
        options: RequestOptions = RequestOptions.NONE,
    ): T = request("PUT", serviceName, path, bodyTypeOf<T>(), options) as T

    /** DELETE, decoded into [T]. */
    @Suppress("UNCHECKED_CAST")
    public suspend inline fun <reified T> delete(
        serviceName: String,
        path: String,
        options: RequestOptions = RequestOptions.NONE,
    ): T = request("DELETE", serviceName, path, bodyTypeOf<T>(), options) as T

    /** PATCH, decoded into [T]. */
    @Suppress("UNCHECKED_CAST")
    public suspend inline fun <reified T> patch(
        serviceName: String,
        path: String,
        options: RequestOptions = RequestOptions.NONE,
    ): T = request("PATCH", serviceName, path, bodyTypeOf<T>(), options) as T

    /** HEAD; returns the status and headers (a HEAD answer has no body). */
    public suspend fun head(
        serviceName: String,
        path: String,
        options: RequestOptions = RequestOptions.NONE,
    ): ResponseInfo {
        ensureOpen()
        return pipeline.execute("HEAD", serviceName, path, options) { response, context ->
            pipeline.decoded(response, context, NO_BODY)
            context.response!!
        }
    }

    /** OPTIONS, decoded into [T]. */
    @Suppress("UNCHECKED_CAST")
    public suspend inline fun <reified T> options(
        serviceName: String,
        path: String,
        options: RequestOptions = RequestOptions.NONE,
    ): T = request("OPTIONS", serviceName, path, bodyTypeOf<T>(), options) as T

    /** GET, the raw response handed to [block]. */
    public suspend fun <R> rawGet(
        serviceName: String,
        path: String,
        options: RequestOptions = RequestOptions.NONE,
        block: suspend (RawResponse) -> R,
    ): R = rawRequest("GET", serviceName, path, options, block)

    /** POST, the raw response handed to [block]. */
    public suspend fun <R> rawPost(
        serviceName: String,
        path: String,
        options: RequestOptions = RequestOptions.NONE,
        block: suspend (RawResponse) -> R,
    ): R = rawRequest("POST", serviceName, path, options, block)

    /** PUT, the raw response handed to [block]. */
    public suspend fun <R> rawPut(
        serviceName: String,
        path: String,
        options: RequestOptions = RequestOptions.NONE,
        block: suspend (RawResponse) -> R,
    ): R = rawRequest("PUT", serviceName, path, options, block)

    /** DELETE, the raw response handed to [block]. */
    public suspend fun <R> rawDelete(
        serviceName: String,
        path: String,
        options: RequestOptions = RequestOptions.NONE,
        block: suspend (RawResponse) -> R,
    ): R = rawRequest("DELETE", serviceName, path, options, block)

    /** PATCH, the raw response handed to [block]. */
    public suspend fun <R> rawPatch(
        serviceName: String,
        path: String,
        options: RequestOptions = RequestOptions.NONE,
        block: suspend (RawResponse) -> R,
    ): R = rawRequest("PATCH", serviceName, path, options, block)

    /** HEAD, the raw response handed to [block]. */
    public suspend fun <R> rawHead(
        serviceName: String,
        path: String,
        options: RequestOptions = RequestOptions.NONE,
        block: suspend (RawResponse) -> R,
    ): R = rawRequest("HEAD", serviceName, path, options, block)

    /** OPTIONS, the raw response handed to [block]. */
    public suspend fun <R> rawOptions(
        serviceName: String,
        path: String,
        options: RequestOptions = RequestOptions.NONE,
        block: suspend (RawResponse) -> R,
    ): R = rawRequest("OPTIONS", serviceName, path, options, block)

    // ---------------------------------------------------------------- the Java face

    /** Java twin of [request]: [method] [path] on [serviceName], a 2xx answer decoded into [type]. */
    @JvmOverloads
    public fun <T> requestAsync(
        method: String,
        serviceName: String,
        path: String,
        type: Class<T>,
        options: RequestOptions = RequestOptions.NONE,
    ): CompletableFuture<T> = requestAsync(method, serviceName, path, BodyType.of(type), options)

    /** Java twin of [request] for generic types (a `BodyType.of(java.lang.reflect.Type)`). */
    @Suppress("UNCHECKED_CAST")
    public fun <T> requestAsync(
        method: String,
        serviceName: String,
        path: String,
        type: BodyType,
        options: RequestOptions,
    ): CompletableFuture<T> = async { request(method, serviceName, path, type, options) as T }

    /** Java twin of [rawRequest]: the response, whatever its status, with its body read into memory. */
    @JvmOverloads
    public fun rawRequestAsync(
        method: String,
        serviceName: String,
        path: String,
        options: RequestOptions = RequestOptions.NONE,
    ): CompletableFuture<BufferedResponse> = async { rawRequest(method, serviceName, path, options) { it.buffer() } }

    /** Java twin of [get]. */
    @JvmOverloads
    public fun <T> getAsync(
        serviceName: String,
        path: String,
        type: Class<T>,
        options: RequestOptions = RequestOptions.NONE,
    ): CompletableFuture<T> = requestAsync("GET", serviceName, path, type, options)

    /** Java twin of [post]. */
    @JvmOverloads
    public fun <T> postAsync(
        serviceName: String,
        path: String,
        type: Class<T>,
        options: RequestOptions = RequestOptions.NONE,
    ): CompletableFuture<T> = requestAsync("POST", serviceName, path, type, options)

    /** Java twin of [put]. */
    @JvmOverloads
    public fun <T> putAsync(
        serviceName: String,
        path: String,
        type: Class<T>,
        options: RequestOptions = RequestOptions.NONE,
    ): CompletableFuture<T> = requestAsync("PUT", serviceName, path, type, options)

    /** Java twin of [delete]. */
    @JvmOverloads
    public fun <T> deleteAsync(
        serviceName: String,
        path: String,
        type: Class<T>,
        options: RequestOptions = RequestOptions.NONE,
    ): CompletableFuture<T> = requestAsync("DELETE", serviceName, path, type, options)

    /** Java twin of [patch]. */
    @JvmOverloads
    public fun <T> patchAsync(
        serviceName: String,
        path: String,
        type: Class<T>,
        options: RequestOptions = RequestOptions.NONE,
    ): CompletableFuture<T> = requestAsync("PATCH", serviceName, path, type, options)

    /** Java twin of [head]. */
    @JvmOverloads
    public fun headAsync(
        serviceName: String,
        path: String,
        options: RequestOptions = RequestOptions.NONE,
    ): CompletableFuture<ResponseInfo> = async { head(serviceName, path, options) }

    /** Java twin of [options]. */
    @JvmOverloads
    public fun <T> optionsAsync(
        serviceName: String,
        path: String,
        type: Class<T>,
        options: RequestOptions = RequestOptions.NONE,
    ): CompletableFuture<T> = requestAsync("OPTIONS", serviceName, path, type, options)

    /** Java twin of [rawGet]. */
    @JvmOverloads
    public fun rawGetAsync(
        serviceName: String,
        path: String,
        options: RequestOptions = RequestOptions.NONE,
    ): CompletableFuture<BufferedResponse> = rawRequestAsync("GET", serviceName, path, options)

    /** Java twin of [rawPost]. */
    @JvmOverloads
    public fun rawPostAsync(
        serviceName: String,
        path: String,
        options: RequestOptions = RequestOptions.NONE,
    ): CompletableFuture<BufferedResponse> = rawRequestAsync("POST", serviceName, path, options)

    /** Java twin of [rawPut]. */
    @JvmOverloads
    public fun rawPutAsync(
        serviceName: String,
        path: String,
        options: RequestOptions = RequestOptions.NONE,
    ): CompletableFuture<BufferedResponse> = rawRequestAsync("PUT", serviceName, path, options)

    /** Java twin of [rawDelete]. */
    @JvmOverloads
    public fun rawDeleteAsync(
        serviceName: String,
        path: String,
        options: RequestOptions = RequestOptions.NONE,
    ): CompletableFuture<BufferedResponse> = rawRequestAsync("DELETE", serviceName, path, options)

    /** Java twin of [rawPatch]. */
    @JvmOverloads
    public fun rawPatchAsync(
        serviceName: String,
        path: String,
        options: RequestOptions = RequestOptions.NONE,
    ): CompletableFuture<BufferedResponse> = rawRequestAsync("PATCH", serviceName, path, options)

    /** Java twin of [rawHead]. */
    @JvmOverloads
    public fun rawHeadAsync(
        serviceName: String,
        path: String,
        options: RequestOptions = RequestOptions.NONE,
    ): CompletableFuture<BufferedResponse> = rawRequestAsync("HEAD", serviceName, path, options)

    /** Java twin of [rawOptions]. */
    @JvmOverloads
    public fun rawOptionsAsync(
        serviceName: String,
        path: String,
        options: RequestOptions = RequestOptions.NONE,
    ): CompletableFuture<BufferedResponse> = rawRequestAsync("OPTIONS", serviceName, path, options)

    // ---------------------------------------------------------------- service interfaces

    private val defaultChannel = builder.defaultChannel
    private val localServices: Map<Class<*>, Any> = LinkedHashMap(builder.localServices)
    private val eagerValidation = builder.eagerValidation
    private val channelCalls = ConcurrentHashMap<Channel, ChannelCall>()

    /**
     * A proxy of service interface [type]: each call goes over [channel] — or the manager's default
     * channel, or `local` when an implementation was registered with `localService`, or else the channel
     * the service's instances advertise in their registry metadata (`rest` for instances that advertise
     * none).
     * With eager validation on, every method is checked now and all problems are reported at once.
     */
    @JvmOverloads
    public fun <T> getService(
        type: Class<T>,
        channel: Channel? = null,
    ): T {
        ensureOpen()
        val descriptor = ServiceDescriptor.of(type)
        if (eagerValidation) descriptor.validate()
        val chosen = channel ?: defaultChannel ?: if (localServices.containsKey(type)) Channel.LOCAL else null
        val call = if (chosen == null) AdvertisedChannelCall(this, ::channelCall) else channelCall(chosen)
        return ServiceProxy.create(type, descriptor, call, scope)
    }

    private fun channelCall(channel: Channel): ChannelCall =
        channelCalls.computeIfAbsent(channel) {
            when (channel) {
                Channel.REST -> RestCall(this, codec)
                Channel.DISPATCH_JSON -> DispatchJsonCall(this, codec)
                Channel.DISPATCH_MSGPACK -> BinaryDispatchCall(this, BinaryDispatchFormat.MSGPACK)
                Channel.DISPATCH_PROTOBUF -> BinaryDispatchCall(this, BinaryDispatchFormat.PROTOBUF)
                Channel.LOCAL -> LocalCall(localServices)
            }
        }

    /** A proxy of service interface [T]; see [getService]. */
    public inline fun <reified T> getService(channel: Channel? = null): T = getService(T::class.java, channel)

    // ---------------------------------------------------------------- interceptors

    /** The interceptors, in the order they run. */
    public val interceptors: List<Interceptor> get() = chain.snapshot

    /** Adds [interceptor]; returns false (and changes nothing) if one with its name is present. Safe while calls run. */
    public fun addInterceptor(interceptor: Interceptor): Boolean = chain.add(interceptor)

    /** Adds a Java interceptor; returns false if one with its name is present. */
    public fun addInterceptor(interceptor: JavaInterceptor): Boolean = chain.add(interceptor.asInterceptor())

    /** Removes the interceptor called [name]; returns whether there was one. Calls in flight keep the chain they started with. */
    public fun removeInterceptor(name: String): Boolean = chain.remove(name)

    /** Removes every interceptor. */
    public fun clearInterceptors(): Unit = chain.clear()

    // ---------------------------------------------------------------- lifecycle

    /** Whether [close] was called. */
    public val isClosed: Boolean get() = closed.get()

    /**
     * Deregisters the application (if it registered), cancels the `…Async` calls in flight, and closes the
     * HTTP client, its connections and the embedded registry; calls made afterwards fail naming the
     * closed manager. Kotlin callers' own coroutines are theirs to cancel. A discovery passed to the
     * builder belongs to the caller and stays open. Idempotent.
     */
    override fun close() {
        if (!closed.compareAndSet(false, true)) return
        val self = selfInstance
        if (self != null && selfRegistry != null) {
            try {
                blockingWithTimeout("deregistering $self") { selfRegistry.deregister(self) }
            } catch (e: Exception) {
                log.warn("Could not deregister {}: {}", self, e.toString())
            }
        }
        scope.cancel()
        client.close()
        transport?.close()
        embeddedRegistry.close()
        connection?.close()
    }

    /** A future of [block] on the manager's scope; a failed one naming the cause once the manager is closed. */
    internal fun <T> async(block: suspend () -> T): CompletableFuture<T> {
        if (closed.get()) return CompletableFuture.failedFuture(SwitchboardException("this ServiceManager is closed (build a new one)"))
        return scope.future { block() }
    }

    private fun ensureOpen() {
        if (closed.get()) throw SwitchboardException("this ServiceManager is closed (build a new one)")
    }

    override fun toString(): String = "ServiceManager(discovery=${discovery.description}, engine=$engine, pool=$connectionPoolSize)"

    /** Factories. */
    public companion object {
        /** A builder, for Java. */
        @JvmStatic
        public fun builder(): ServiceManagerBuilder = ServiceManagerBuilder()

        private val NO_BODY = BodyType.of(Unit::class.java)
        private val log = org.slf4j.LoggerFactory.getLogger(ServiceManager::class.java)
    }
}

/** Builds a [ServiceManager] with a Kotlin DSL: `ServiceManager { loadBalancer("random") }`. */
public inline fun ServiceManager(block: ServiceManagerBuilder.() -> Unit): ServiceManager = ServiceManager.builder().apply(block).build()
