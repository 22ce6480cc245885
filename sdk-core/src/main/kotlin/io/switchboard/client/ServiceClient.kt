package io.switchboard.client

import io.switchboard.BodyType
import io.switchboard.ConfigurationException
import io.switchboard.HttpStatusException
import io.switchboard.InvalidRequestException
import io.switchboard.RequestOptions
import io.switchboard.ServiceInstance
import io.switchboard.ServiceManager
import io.switchboard.ServiceManagerBuilder
import io.switchboard.spi.Interceptor
import io.switchboard.spi.JavaInterceptor
import io.switchboard.spi.ServiceDiscovery
import org.slf4j.LoggerFactory
import java.net.URI
import java.time.Duration
import java.util.concurrent.CompletableFuture
import java.util.concurrent.CopyOnWriteArrayList
import java.util.function.Consumer

/**
 * Calls a service's endpoints by name, as described by a [ClientSpec]:
 * `client.call("get_user_detail", Params { path("user_id", 42) })`.
 *
 * Path placeholders are filled from the call's path parameters (a missing one fails before anything is
 * sent). Headers, query parameters and the timeout merge at three levels — client, endpoint, call —
 * and the call wins; so do idempotency and the retry policy (endpoint, call), over the service's and
 * the manager's. Plugins are [Interceptor]s: the same chain, phases and order as a
 * [ServiceManager]'s, which the client runs on (discovery and load balancing included when the spec
 * names a service).
 */
public class ServiceClient private constructor(
    builder: Builder,
) : AutoCloseable {
    /** The spec this client calls. */
    public val spec: ClientSpec = builder.spec

    private val target: String
    private val prefix: String
    private val manager: ServiceManager
    private val plugins: List<Interceptor> = builder.plugins.toList()
    private val closeHooks = CopyOnWriteArrayList(builder.closeHooks)

    init {
        val managerBuilder = ServiceManager.builder()
        builder.managerSettings.forEach { it.accept(managerBuilder) }
        managerBuilder.addInterceptor(PathTokenPlugin())
        plugins.forEach { managerBuilder.addInterceptor(it) }
        val baseUrl = spec.baseUrl
        if (baseUrl != null) {
            val uri =
                try {
                    URI(baseUrl)
                } catch (e: Exception) {
                    throw ConfigurationException("client spec: base-url '$baseUrl' is not a URL (expected: http://host:port)", e)
                }
            val secure = uri.scheme.equals("https", ignoreCase = true)
            if (uri.host == null || !(uri.scheme.equals("http", true) || secure)) {
                throw ConfigurationException("client spec: base-url '$baseUrl' is not an http(s) URL (expected: http://host:port)")
            }
            val port =
                if (uri.port > 0) {
                    uri.port
                } else if (secure) {
                    443
                } else {
                    80
                }
            target = "${uri.host}:$port"
            prefix = uri.rawPath.orEmpty().trimEnd('/')
            managerBuilder.staticInstances(target, ServiceInstance(target, uri.host, port, secure = secure))
        } else {
            target = spec.service!!
            prefix = ""
        }
        manager = managerBuilder.build()
    }

    /**
     * Calls [endpoint] with [params] and returns the answer, whatever its status.
     *
     * @throws InvalidRequestException when the endpoint is unknown or a path parameter is missing; nothing is sent.
     */
    public suspend fun call(
        endpoint: String,
        params: Params = Params.NONE,
    ): ClientResponse {
        val spec = this.spec.endpoints[endpoint] ?: throw unknown(endpoint)
        val options = RequestOptions.builder()
        val path = prefix + spec.path
        options.uriTemplate = path
        options.headers(this.spec.headers).headers(spec.headers).headers(params.headers)
        LinkedHashMap(this.spec.query)
            .apply {
                putAll(spec.query)
                putAll(params.query)
            }.forEach { (name, values) -> options.query(name, *values.toTypedArray()) }
        val timeout = params.timeout ?: spec.timeout ?: this.spec.timeout
        timeout?.let(options::timeout)
        (params.idempotent ?: spec.idempotent)?.let(options::idempotent)
        val retry = params.retry ?: spec.retry
        if (retry != null) options.retry(retry) else options.retryOverrides = spec.retryOverrides
        val built = options.build().withBody(params)
        val attributes = mapOf(ENDPOINT to endpoint, PATH_PARAMS to params.path)
        val (buffered, context) =
            manager.exchange(spec.method, target, path, built, attributes) { raw, context ->
                raw.buffer().also { context.attributes[ResponseLoggerPlugin.BODY] = it.body } to context
            }
        return ClientResponse(
            endpoint,
            buffered,
            context.duration ?: Duration.ZERO,
            HashMap(context.attributes - ResponseLoggerPlugin.BODY),
            context.attempts,
        )
    }

    /** Calls [endpoint] and decodes a 2xx answer into [type]; other statuses raise [HttpStatusException]. */
    public suspend fun callFor(
        endpoint: String,
        params: Params,
        type: BodyType,
    ): Any? {
        val response = call(endpoint, params)
        if (!response.isSuccessful) {
            val spec = this.spec.endpoint(endpoint)
            throw HttpStatusException(target, response.instance, spec.method, spec.path, response.status, response.text().take(512))
                .apply { recordAttempts(response.attempts) }
        }
        return response.data(type)
    }

    /** Calls [endpoint] and decodes a 2xx answer into [T]. */
    @Suppress("UNCHECKED_CAST")
    public suspend inline fun <reified T> callFor(
        endpoint: String,
        params: Params = Params.NONE,
    ): T = callFor(endpoint, params, io.switchboard.bodyTypeOf<T>()) as T

    /** Java twin of [call]. */
    @JvmOverloads
    public fun callAsync(
        endpoint: String,
        params: Params = Params.NONE,
    ): CompletableFuture<ClientResponse> = manager.future { call(endpoint, params) }

    /** Java twin of [callFor]. */
    @Suppress("UNCHECKED_CAST")
    public fun <T> callAsync(
        endpoint: String,
        params: Params,
        type: Class<T>,
    ): CompletableFuture<T> = manager.future { callFor(endpoint, params, BodyType.of(type)) as T }

    /** Runs [hook] when the client closes (the seed's close hook); plugins that are `AutoCloseable` are closed too. */
    public fun onClose(hook: Runnable) {
        closeHooks += hook
    }

    /** Runs the close hooks, closes the plugins that are `AutoCloseable`, then the underlying manager. */
    override fun close() {
        closeHooks.forEach { runCatching { it.run() }.onFailure { e -> log.warn("A close hook failed: {}", e.toString()) } }
        plugins.filterIsInstance<AutoCloseable>().forEach { runCatching { it.close() } }
        manager.close()
    }

    private fun unknown(endpoint: String) =
        InvalidRequestException(
            "endpoint '$endpoint' is not in the client spec (known endpoints: ${spec.endpoints.keys.joinToString(", ")})",
        )

    override fun toString(): String = "ServiceClient($spec)"

    /** Builds a [ServiceClient]. */
    public class Builder internal constructor(
        internal val spec: ClientSpec,
    ) {
        internal val plugins = ArrayList<Interceptor>()
        internal val managerSettings = ArrayList<Consumer<ServiceManagerBuilder>>()
        internal val closeHooks = ArrayList<Runnable>()

        /** Adds a plugin (any [Interceptor]); a second one with the same name is ignored. */
        public fun plugin(plugin: Interceptor): Builder = apply { plugins += plugin }

        /** Adds a Java plugin. */
        public fun plugin(plugin: JavaInterceptor): Builder = apply { plugins += plugin.asInterceptor() }

        /** Configures the underlying manager: discovery, load balancer, timeouts, pool, transport. */
        public fun manager(configure: Consumer<ServiceManagerBuilder>): Builder = apply { managerSettings += configure }

        /**
         * Finds a `service:` spec's instances in [discovery] — typically an application's own manager's
         * (`discovery(manager.discovery)`), so the client shares that manager's registry connection instead
         * of opening another. The client does not close it.
         */
        public fun discovery(discovery: ServiceDiscovery): Builder = manager { it.discovery(discovery) }

        /** Runs [hook] when the client closes. */
        public fun onClose(hook: Runnable): Builder = apply { closeHooks += hook }

        /** The client. */
        public fun build(): ServiceClient = ServiceClient(this)
    }

    /** Factories and attribute names. */
    public companion object {
        /** The context attribute holding the endpoint name. */
        public const val ENDPOINT: String = "switchboard.endpoint"

        /** The context attribute holding the path parameters. */
        public const val PATH_PARAMS: String = "switchboard.pathParams"

        private val log = LoggerFactory.getLogger(ServiceClient::class.java)

        /** A builder for a client of [spec]. */
        @JvmStatic
        public fun builder(spec: ClientSpec): Builder = Builder(spec)
    }
}

/** Builds a [ServiceClient] of [spec] with a Kotlin DSL. */
@JvmSynthetic
public inline fun ServiceClient(
    spec: ClientSpec,
    block: ServiceClient.Builder.() -> Unit = {},
): ServiceClient = ServiceClient.builder(spec).apply(block).build()

private fun RequestOptions.withBody(params: Params): RequestOptions {
    val body = params.body ?: return this
    val builder = newBuilder()
    when (body) {
        is io.switchboard.RequestBody.Json -> if (body.type != null) builder.json(body.value, body.type) else builder.json(body.value)
        is io.switchboard.RequestBody.Form -> builder.form(body.fields)
        is io.switchboard.RequestBody.Bytes -> builder.bytes(body.bytes, body.contentType)
        is io.switchboard.RequestBody.Text -> builder.text(body.text, body.contentType)
    }
    return builder.build()
}
