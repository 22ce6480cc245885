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
public class ServiceServer internal constructor(
    builder: ServiceServerBuilder,
) : AutoCloseable {
    private val hosted: Map<String, Pair<ServiceDescriptor, Any>> = builder.hosted.toMap()
    private val registry = builder.registry
    private val bindHost = builder.bindHost
    private val advertisedHost = builder.advertisedHost ?: builder.bindHost
    private val drainTimeout = builder.drainTimeout
    private val requestedPort = builder.port
    private val weight = builder.weight
    private val startHooks = builder.startHooks.toList()
    private val stopHooks = builder.stopHooks.toList()
    private val errors = ErrorResponses(builder.exposeStackTraces)
    private val healthEndpoint = HealthEndpoint(builder.checks.toList())
    private val routes =
        DispatchRoutes(hosted, builder.codec, ArgumentBinder(builder.codec, builder.maxBodyBytes, errors), errors, healthEndpoint)

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
                            errors.shuttingDown(context)
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
                    routing { routes.install(this) }
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
    public fun health(): Map<String, HealthResult> = healthEndpoint.results()

    override fun toString(): String = "ServiceServer(${hosted.keys} at $baseUrl, $status)"

    /** Factories. */
    public companion object {
        private val log = LoggerFactory.getLogger(ServiceServer::class.java)
        private const val QUIET_PERIOD_MILLIS = 100L
        private const val CHANNELS = "dispatch-json,dispatch-msgpack,dispatch-protobuf,rest"

        /** A new builder. */
        @JvmStatic
        public fun builder(): ServiceServerBuilder = ServiceServerBuilder()
    }
}
