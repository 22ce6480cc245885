package io.switchboard.server

import io.ktor.http.ContentType
import io.ktor.http.HttpMethod
import io.ktor.http.HttpStatusCode
import io.ktor.http.contentType
import io.ktor.server.application.ApplicationCall
import io.ktor.server.application.ApplicationCallPipeline
import io.ktor.server.engine.EmbeddedServer
import io.ktor.server.engine.connector
import io.ktor.server.engine.embeddedServer
import io.ktor.server.netty.Netty
import io.ktor.server.netty.NettyApplicationEngine
import io.ktor.server.request.contentType
import io.ktor.server.request.receiveChannel
import io.ktor.server.response.respondBytes
import io.ktor.server.response.respondText
import io.ktor.server.routing.Routing
import io.ktor.server.routing.get
import io.ktor.server.routing.post
import io.ktor.server.routing.route
import io.ktor.server.routing.routing
import io.ktor.utils.io.readRemaining
import io.switchboard.BodyType
import io.switchboard.ServiceInstance
import io.switchboard.codec.JsonCodec
import io.switchboard.service.BinaryDispatchFormat
import io.switchboard.service.DispatchProtocol
import io.switchboard.service.MethodDescriptor
import io.switchboard.service.ParameterRole
import io.switchboard.service.ServiceDescriptor
import io.switchboard.service.invokeImplementation
import io.switchboard.spi.Codec
import io.switchboard.spi.ServiceRegistry
import kotlinx.coroutines.runBlocking
import kotlinx.io.readByteArray
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.JsonArray
import kotlinx.serialization.json.JsonElement
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.JsonPrimitive
import org.slf4j.LoggerFactory
import java.time.Duration

/** Where a [ServiceServer] is in its life. */
public enum class ServerStatus {
    /** Built, not started. */
    VIRGIN,

    /** Listening and registered. */
    RUNNING,

    /** Stopped. */
    STOPPED,
}

/**
 * Hosts service implementations on the Ktor server (Netty): every method of every hosted service over
 * the dispatch channel (`POST /_dispatch/{service}/{method}`), the REST routes of their annotations,
 * and `GET /health` driven by health checks.
 *
 * Once listening it registers each hosted service in the [ServiceRegistry] it was given, with the port
 * it really bound and the channels it offers (metadata `channels`). [stop] deregisters first, then
 * stops accepting and lets the calls in flight finish (bounded by the drain timeout).
 *
 * Bad input gets a JSON error naming what was wrong, and the server keeps serving: unknown service or
 * method 404, malformed body or wrong arguments 400 (naming the parameter), a content type other than
 * JSON 415, a body over the limit 413, an exception in the implementation 500 with its type and message.
 */
public class ServiceServer private constructor(
    builder: Builder,
) : AutoCloseable {
    private val hosted: Map<String, Pair<ServiceDescriptor, Any>> = builder.hosted.toMap()
    private val registry = builder.registry
    private val bindHost = builder.bindHost
    private val advertisedHost = builder.advertisedHost ?: builder.bindHost
    private val maxBodyBytes = builder.maxBodyBytes
    private val exposeStackTraces = builder.exposeStackTraces
    private val drainTimeout = builder.drainTimeout
    private val codec: Codec = builder.codec
    private val checks = builder.checks.toList()
    private val requestedPort = builder.port
    private val weight = builder.weight
    private val startHooks = builder.startHooks.toList()
    private val stopHooks = builder.stopHooks.toList()

    private fun components(): List<Lifecycle> = hosted.values.mapNotNull { it.second as? Lifecycle }.distinct()

    @Volatile
    private var server: EmbeddedServer<NettyApplicationEngine, NettyApplicationEngine.Configuration>? = null

    @Volatile
    private var stopping = false
    private val inFlight =
        java.util.concurrent.atomic
            .AtomicInteger()

    /** How many calls are being handled now. */
    public val callsInFlight: Int get() = inFlight.get()

    /** Where the server is in its life. */
    @Volatile
    public var status: ServerStatus = ServerStatus.VIRGIN
        private set

    /** The port the server listens on; 0 before [start]. */
    @Volatile
    public var port: Int = 0
        private set

    /** The instances this server registered (one per hosted service). */
    @Volatile
    public var instances: List<ServiceInstance> = emptyList()
        private set

    /** `http://host:port` of the server. */
    public val baseUrl: String get() = "http://$advertisedHost:$port"

    /** Starts listening, then registers the hosted services. */
    @Synchronized
    public fun start(): ServiceServer {
        check(status == ServerStatus.VIRGIN) { "this server was already started (status $status); build a new one" }
        try {
            startHooks.forEach(Runnable::run)
            components().forEach(Lifecycle::onStart)
        } catch (e: Exception) {
            status = ServerStatus.STOPPED
            throw IllegalStateException("a start-up hook failed, so the server did not start: $e", e)
        }
        try {
            val engine =
                embeddedServer(Netty, configure = {
                    connector {
                        host = bindHost
                        port = requestedPort
                    }
                    shutdownGracePeriod = QUIET_PERIOD_MILLIS
                    shutdownTimeout = 2_000
                }) {
                    intercept(ApplicationCallPipeline.Setup) {
                        if (stopping) {
                            context.error(
                                HttpStatusCode.ServiceUnavailable,
                                "ShuttingDown",
                                "this server is shutting down; call another instance",
                            )
                            finish()
                            return@intercept
                        }
                        inFlight.incrementAndGet()
                        try {
                            proceed()
                        } finally {
                            inFlight.decrementAndGet()
                        }
                    }
                    routing { routes() }
                }.start(wait = false)
            server = engine
            port =
                runBlocking {
                    engine.engine
                        .resolvedConnectors()
                        .first()
                        .port
                }
            instances =
                hosted.keys.map { name ->
                    ServiceInstance(
                        name,
                        advertisedHost,
                        port,
                        weight = weight,
                        metadata = mapOf(DispatchProtocol.CHANNELS_METADATA to CHANNELS),
                    )
                }
            registry?.let { r -> runBlocking { instances.forEach { r.register(it) } } }
        } catch (e: Throwable) {
            // undo what did start: the listener, the registrations, the components
            runCatching { server?.stop(0, 1_000) }
            registry?.let { r -> runBlocking { instances.forEach { runCatching { r.deregister(it) } } } }
            components().forEach { runCatching { it.onStop() } }
            stopHooks.forEach { runCatching { it.run() } }
            status = ServerStatus.STOPPED
            throw e
        }
        status = ServerStatus.RUNNING
        log.info("Serving {} on {}", hosted.keys, baseUrl)
        return this
    }

    /**
     * Deregisters, then answers new calls with 503 while the calls in flight finish (up to the drain
     * timeout), then stops. Idempotent.
     */
    @Synchronized
    public fun stop() {
        if (status != ServerStatus.RUNNING) {
            status = ServerStatus.STOPPED
            return
        }
        registry?.let { r -> runBlocking { instances.forEach { runCatching { r.deregister(it) } } } }
        stopping = true
        val deadline = System.nanoTime() + drainTimeout.toNanos()
        while (inFlight.get() > 0 && System.nanoTime() < deadline) Thread.sleep(5)
        if (inFlight.get() >
            0
        ) {
            log.warn("Stopping with {} call(s) still running after the drain timeout of {}", inFlight.get(), drainTimeout)
        }
        server?.stop(QUIET_PERIOD_MILLIS, 2_000)
        components().forEach { runCatching { it.onStop() }.onFailure { e -> log.warn("onStop of {} failed: {}", it, e.toString()) } }
        stopHooks.forEach { runCatching { it.run() }.onFailure { e -> log.warn("A stop hook failed: {}", e.toString()) } }
        status = ServerStatus.STOPPED
    }

    /** Same as [stop]. */
    override fun close(): Unit = stop()

    /** Runs the health checks now (respecting their caches) and returns each result. */
    public fun health(): Map<String, HealthResult> = checks.associate { it.name to run(it) }

    private fun run(registration: HealthCheckRegistration): HealthResult {
        val cacheFor = registration.cacheFor
        val cached = registration.cached
        if (cacheFor != null && cached != null && System.nanoTime() - cached.first < cacheFor.toNanos()) return cached.second
        val started = System.nanoTime()
        val result =
            try {
                val ok = registration.check.check()
                val millis = (System.nanoTime() - started) / 1_000_000
                val limit = registration.failIfSlowerThan
                when {
                    !ok -> {
                        HealthResult(false, millis, "check returned false")
                    }

                    limit != null && millis > limit.toMillis() -> {
                        HealthResult(
                            false,
                            millis,
                            "took $millis ms (limit ${limit.toMillis()} ms)",
                        )
                    }

                    else -> {
                        HealthResult(true, millis)
                    }
                }
            } catch (e: Exception) {
                HealthResult(false, (System.nanoTime() - started) / 1_000_000, e.toString())
            }
        registration.cached = System.nanoTime() to result
        return result
    }

    private fun Routing.routes() {
        post("${DispatchProtocol.PREFIX}/{service}/{method}") { dispatch(call) }
        route("${DispatchProtocol.PREFIX}/{...}") {
            handle {
                call.error(
                    HttpStatusCode.NotFound,
                    "NotFound",
                    "dispatch calls are POST ${DispatchProtocol.PREFIX}/{service}/{method}",
                )
            }
        }
        get("/health") {
            val results = kotlinx.coroutines.withContext(kotlinx.coroutines.Dispatchers.IO) { health() }
            val up = results.values.all { it.healthy }
            val body =
                JsonObject(
                    mapOf(
                        "status" to JsonPrimitive(if (up) "UP" else "DOWN"),
                        "checks" to
                            JsonObject(
                                results.mapValues { (_, r) ->
                                    JsonObject(
                                        buildMap {
                                            put("status", JsonPrimitive(if (r.healthy) "UP" else "DOWN"))
                                            put("millis", JsonPrimitive(r.millis))
                                            r.detail?.let { put("detail", JsonPrimitive(it)) }
                                        },
                                    )
                                },
                            ),
                    ),
                )
            call.respondText(
                body.toString(),
                ContentType.Application.Json,
                if (up) HttpStatusCode.OK else HttpStatusCode.ServiceUnavailable,
            )
        }
        hosted.values.forEach { (descriptor, implementation) ->
            descriptor.methods.filter { it.httpMethod != null }.forEach { method ->
                route(method.path!!, HttpMethod.parse(method.httpMethod!!)) { handle { rest(call, descriptor, method, implementation) } }
            }
        }
    }

    private suspend fun dispatch(call: ApplicationCall) {
        val serviceName = call.parameters["service"]!!
        val (descriptor, implementation) =
            hosted[serviceName] ?: return call.error(
                HttpStatusCode.NotFound,
                "UnknownService",
                "no service '$serviceName' is hosted here (hosted: ${hosted.keys.joinToString(", ")})",
            )
        val methodName = call.parameters["method"]!!
        val method =
            descriptor.method(methodName) ?: return call.error(
                HttpStatusCode.NotFound,
                "UnknownMethod",
                "service '$serviceName' has no method '$methodName' (methods: ${descriptor.methods.joinToString(", ") { it.name }})",
            )
        val type = contentTypeOf(call)
        val binary = BinaryDispatchFormat.entries.firstOrNull { type != null && type.match(ContentType.parse(it.contentType)) }
        if (binary != null) return dispatchBinary(call, binary, serviceName, method, implementation)
        if (!isJson(call)) return unsupported(call)
        val body = readBody(call) ?: return
        val array =
            runCatching { Json.parseToJsonElement(body.decodeToString()) }.getOrNull() as? JsonArray
                ?: return call.error(
                    HttpStatusCode.BadRequest,
                    "MalformedBody",
                    "the body of $serviceName.$methodName is not a JSON array of arguments",
                )
        if (array.size != method.parameters.size) {
            return call.error(
                HttpStatusCode.BadRequest,
                "WrongArguments",
                "$serviceName.$methodName takes ${method.parameters.size} argument(s) (${method.parameters.joinToString()}), got ${array.size}",
            )
        }
        val args = arrayOfNulls<Any?>(array.size)
        method.parameters.forEachIndexed { i, p ->
            args[i] = decodeArgument(call, serviceName, method, i, array[i]) ?: return
        }
        invokeAndRespond(call, method, implementation, args)
    }

    private suspend fun dispatchBinary(
        call: ApplicationCall,
        format: BinaryDispatchFormat,
        serviceName: String,
        method: MethodDescriptor,
        implementation: Any,
    ) {
        try {
            format.check(method)
        } catch (e: io.switchboard.ConfigurationException) {
            return call.error(HttpStatusCode.UnsupportedMediaType, "UnsupportedMediaType", e.message ?: "")
        }
        val body = readBody(call) ?: return
        val args =
            try {
                format.decodeArguments(method, body)
            } catch (e: io.switchboard.ConfigurationException) {
                return call.error(HttpStatusCode.UnsupportedMediaType, "UnsupportedMediaType", e.message ?: "")
            } catch (e: Exception) {
                return call.error(
                    HttpStatusCode.BadRequest,
                    "MalformedBody",
                    "the body of $serviceName.${method.name} is not a valid ${format.channel.id} argument list " +
                        "(${method.parameters.joinToString()}): ${e.message?.lineSequence()?.first()}",
                )
            }
        method.parameters.forEachIndexed { i, p ->
            if (args[i] == null && p.type.rawClass.isPrimitive) {
                return call.error(
                    HttpStatusCode.BadRequest,
                    "BadArgument",
                    "argument '${p.name}' of $serviceName.${method.name} is missing",
                )
            }
        }
        val result =
            try {
                invokeImplementation(implementation, method, args)
            } catch (e: Throwable) {
                if (e is kotlinx.coroutines.CancellationException) throw e
                return failed(call, e)
            }
        call.respondBytes(format.encodeResult(method, result), ContentType.parse(format.contentType), HttpStatusCode.OK)
    }

    private suspend fun failed(
        call: ApplicationCall,
        e: Throwable,
    ) {
        if (e is NullPointerException && e.stackTrace.firstOrNull()?.className == "kotlin.jvm.internal.Intrinsics") {
            // Kotlin's own null check of a parameter: the caller sent null for a non-null argument
            return call.error(HttpStatusCode.BadRequest, "BadArgument", "a non-null argument was null: ${e.message}")
        }
        val message = (e.message ?: "") + if (exposeStackTraces) "\n" + e.stackTraceToString() else ""
        call.error(HttpStatusCode.InternalServerError, e.javaClass.name, message)
    }

    private suspend fun rest(
        call: ApplicationCall,
        descriptor: ServiceDescriptor,
        method: MethodDescriptor,
        implementation: Any,
    ) {
        val args = arrayOfNulls<Any?>(method.parameters.size)
        method.parameters.forEachIndexed { i, p ->
            val value: Any? =
                when (p.role) {
                    ParameterRole.PATH -> {
                        scalar(call, descriptor, method, i, call.parameters[p.name]) ?: return
                    }

                    ParameterRole.QUERY -> {
                        val values = call.request.queryParameters.getAll(p.name)
                        if (values == null) {
                            NULL
                        } else if (Collection::class.java.isAssignableFrom(p.type.rawClass)) {
                            decodeArgument(
                                call,
                                descriptor.name,
                                method,
                                i,
                                JsonArray(values.map(::JsonPrimitive)).toString().toByteArray(),
                            )
                                ?: return
                        } else {
                            scalar(call, descriptor, method, i, values.first()) ?: return
                        }
                    }

                    ParameterRole.HEADER -> {
                        call.request.headers[p.name]?.let { scalar(call, descriptor, method, i, it) ?: return } ?: NULL
                    }

                    ParameterRole.BODY -> {
                        if (!isJson(call)) return unsupported(call)
                        val body = readBody(call) ?: return
                        decodeArgument(call, descriptor.name, method, i, body) ?: return
                    }
                }
            args[i] = value
        }
        invokeAndRespond(call, method, implementation, args)
    }

    /** A path, query or header text as parameter [index]'s type; null after answering 400. */
    private suspend fun scalar(
        call: ApplicationCall,
        descriptor: ServiceDescriptor,
        method: MethodDescriptor,
        index: Int,
        text: String?,
    ): Any? {
        val type = method.parameters[index].type
        if (text == null) return NULL
        if (type.rawClass == String::class.java) return text
        val asJson = runCatching { codec.decode(text.toByteArray(), type) }.getOrNull()
        return asJson ?: decodeArgument(call, descriptor.name, method, index, JsonPrimitive(text).toString().toByteArray())
    }

    /** Argument [index] decoded from JSON [bytes]; null after answering 400 naming the parameter. */
    private suspend fun decodeArgument(
        call: ApplicationCall,
        serviceName: String,
        method: MethodDescriptor,
        index: Int,
        bytes: ByteArray,
    ): Any? = decodeArgument(call, serviceName, method, index) { codec.decode(bytes, it) }

    /** Argument [index] decoded from an [element] of the parsed argument array; the JSON codec reads it as it is. */
    private suspend fun decodeArgument(
        call: ApplicationCall,
        serviceName: String,
        method: MethodDescriptor,
        index: Int,
        element: JsonElement,
    ): Any? =
        decodeArgument(call, serviceName, method, index) { type ->
            val json = codec as? JsonCodec
            if (json != null) json.decode(element, type) else codec.decode(element.toString().toByteArray(), type)
        }

    private suspend fun decodeArgument(
        call: ApplicationCall,
        serviceName: String,
        method: MethodDescriptor,
        index: Int,
        decode: (BodyType) -> Any?,
    ): Any? {
        val parameter = method.parameters[index]
        val value =
            try {
                decode(parameter.type)
            } catch (e: Exception) {
                call.error(
                    HttpStatusCode.BadRequest,
                    "BadArgument",
                    "argument '${parameter.name}' (${index + 1} of ${method.parameters.size}) of $serviceName.${method.name} " +
                        "cannot be read as ${parameter.type.javaType.typeName}: ${e.message?.lineSequence()?.first()}",
                )
                return null
            }
        if (value == null && parameter.type.rawClass.isPrimitive) {
            call.error(
                HttpStatusCode.BadRequest,
                "BadArgument",
                "argument '${parameter.name}' of $serviceName.${method.name} must not be null",
            )
            return null
        }
        return value ?: NULL
    }

    private suspend fun invokeAndRespond(
        call: ApplicationCall,
        method: MethodDescriptor,
        implementation: Any,
        args: Array<Any?>,
    ) {
        for (i in args.indices) if (args[i] === NULL) args[i] = null
        val result =
            try {
                invokeImplementation(implementation, method, args)
            } catch (e: Throwable) {
                if (e is kotlinx.coroutines.CancellationException) throw e
                return failed(call, e)
            }
        val raw = method.resultType.rawClass
        if (raw == Unit::class.java || raw == Void::class.java || raw == Void.TYPE) {
            call.respondBytes(NULL_JSON, ContentType.Application.Json, HttpStatusCode.OK)
        } else {
            call.respondBytes(codec.encode(result, method.resultType), ContentType.Application.Json, HttpStatusCode.OK)
        }
    }

    private fun isJson(call: ApplicationCall): Boolean {
        val type = contentTypeOf(call) ?: return false
        return type == ContentType.Any || type.match(ContentType.Application.Json)
    }

    /** The request's content type; null when the header does not parse. */
    private fun contentTypeOf(call: ApplicationCall): ContentType? = runCatching { call.request.contentType() }.getOrNull()

    private suspend fun unsupported(call: ApplicationCall) =
        call.error(
            HttpStatusCode.UnsupportedMediaType,
            "UnsupportedMediaType",
            "content type '${call.request.headers["Content-Type"]}' is not supported (expected: $SUPPORTED_TYPES)",
        )

    /** The body, at most [maxBodyBytes]; null after answering 413. */
    private suspend fun readBody(call: ApplicationCall): ByteArray? {
        val declared = call.request.headers["Content-Length"]?.toLongOrNull()
        if (declared != null && declared > maxBodyBytes) {
            call.error(HttpStatusCode.PayloadTooLarge, "PayloadTooLarge", "the body has $declared bytes (limit $maxBodyBytes)")
            return null
        }
        val bytes = call.receiveChannel().readRemaining(maxBodyBytes + 1).readByteArray()
        if (bytes.size > maxBodyBytes) {
            call.error(HttpStatusCode.PayloadTooLarge, "PayloadTooLarge", "the body has more than $maxBodyBytes bytes")
            return null
        }
        return bytes
    }

    private suspend fun ApplicationCall.error(
        status: HttpStatusCode,
        type: String,
        message: String,
    ) = respondText(DispatchProtocol.errorBody(type, message, status.value), ContentType.Application.Json, status)

    override fun toString(): String = "ServiceServer(${hosted.keys} at $baseUrl, $status)"

    /** Builds a [ServiceServer]. */
    public class Builder internal constructor() {
        internal val hosted = LinkedHashMap<String, Pair<ServiceDescriptor, Any>>()
        internal var registry: ServiceRegistry? = null
        internal var bindHost: String = "127.0.0.1"
        internal var advertisedHost: String? = null
        internal var port: Int = 0
        internal var weight: Double = 1.0
        internal var maxBodyBytes: Long = 1L shl 20
        internal var exposeStackTraces: Boolean = false
        internal var drainTimeout: Duration = Duration.ofSeconds(10)
        internal var codec: Codec = JsonCodec()
        internal val checks = ArrayList<HealthCheckRegistration>()
        internal val startHooks = ArrayList<Runnable>()
        internal val stopHooks = ArrayList<Runnable>()

        /** Runs [hook] at start, before the hosted components start and the server listens. */
        public fun onStart(hook: Runnable): Builder = apply { startHooks += hook }

        /** Runs [hook] at stop, after the calls in flight drained and the hosted components stopped. */
        public fun onStop(hook: Runnable): Builder = apply { stopHooks += hook }

        /** Hosts [implementation] of service interface [type]. */
        public fun <T : Any> host(
            type: Class<T>,
            implementation: T,
        ): Builder =
            apply {
                val descriptor = ServiceDescriptor.of(type).validate()
                require(type.isInstance(implementation)) { "${implementation.javaClass.name} does not implement ${type.name}" }
                hosted[descriptor.name] = descriptor to implementation
            }

        /** Registers the hosted services here once listening, and deregisters them on stop. */
        public fun registry(registry: ServiceRegistry): Builder = apply { this.registry = registry }

        /** The address to bind; 127.0.0.1 by default. */
        public fun bindHost(host: String): Builder = apply { bindHost = host }

        /** The address registered for callers; the bind address by default. */
        public fun advertisedHost(host: String): Builder = apply { advertisedHost = host }

        /** The port; 0 (a free one) by default. */
        public fun port(port: Int): Builder =
            apply {
                require(port in 0..65535) { "port: $port (expected: 0..65535)" }
                this.port = port
            }

        /** The weight this server's instances are registered with; 1 by default. */
        public fun weight(weight: Double): Builder =
            apply {
                require(weight >= 0.0 && weight.isFinite()) { "weight: $weight (expected: a finite number >= 0)" }
                this.weight = weight
            }

        /** The largest request body accepted; 1 MiB by default. Larger ones get 413. */
        public fun maxBodyBytes(bytes: Long): Builder =
            apply {
                require(bytes > 0) { "maxBodyBytes: $bytes (expected: > 0)" }
                maxBodyBytes = bytes
            }

        /** Whether 500 answers carry the implementation's stack trace; off by default. */
        public fun exposeStackTraces(expose: Boolean): Builder = apply { exposeStackTraces = expose }

        /** How long [stop] lets calls in flight finish; 10 s by default. */
        public fun drainTimeout(timeout: Duration): Builder = apply { drainTimeout = timeout }

        /** The codec for arguments and results; [JsonCodec] by default. */
        public fun codec(codec: Codec): Builder = apply { this.codec = codec }

        /** Adds a health check shown on `GET /health`. */
        @JvmOverloads
        public fun healthCheck(
            name: String,
            check: HealthCheck,
            failIfSlowerThan: Duration? = null,
            cacheFor: Duration? = null,
        ): Builder = apply { checks += HealthCheckRegistration(name, check, failIfSlowerThan, cacheFor) }

        /** The server, not started. */
        public fun build(): ServiceServer {
            require(hosted.isNotEmpty()) { "no service hosted (expected: host(Interface.class, implementation))" }
            return ServiceServer(this)
        }
    }

    /** Factories. */
    public companion object {
        private val log = LoggerFactory.getLogger(ServiceServer::class.java)
        private val NULL = Any()
        private val NULL_JSON = "null".toByteArray()
        private const val QUIET_PERIOD_MILLIS = 100L
        private const val CHANNELS = "dispatch-json,dispatch-msgpack,dispatch-protobuf,rest"
        private val SUPPORTED_TYPES = (listOf("application/json") + BinaryDispatchFormat.entries.map { it.contentType }).joinToString(", ")

        /** A new builder. */
        @JvmStatic
        public fun builder(): Builder = Builder()
    }
}

/** Hosts [implementation] as service interface [T]. */
public inline fun <reified T : Any> ServiceServer.Builder.host(implementation: T): ServiceServer.Builder =
    host(T::class.java, implementation)

/** Builds a [ServiceServer] with a Kotlin DSL. */
public inline fun ServiceServer(block: ServiceServer.Builder.() -> Unit): ServiceServer = ServiceServer.builder().apply(block).build()
