package io.switchboard.server

import io.ktor.http.HttpStatusCode
import io.ktor.server.application.ApplicationCallPipeline
import io.ktor.server.engine.EmbeddedServer
import io.ktor.server.engine.connector
import io.ktor.server.engine.embeddedServer
import io.ktor.server.netty.Netty
import io.ktor.server.netty.NettyApplicationEngine
import io.ktor.server.routing.routing
import io.switchboard.ServiceInstance
import io.switchboard.server.auth.AccessControl
import io.switchboard.server.auth.AuthenticationException
import io.switchboard.server.openapi.OpenApiRoutes
import io.switchboard.service.DispatchProtocol
import io.switchboard.spi.ServiceDiscovery
import io.switchboard.spi.ServiceRegistry
import kotlinx.coroutines.CoroutineName
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.NonCancellable
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.async
import kotlinx.coroutines.future.future
import kotlinx.coroutines.sync.Mutex
import kotlinx.coroutines.sync.withLock
import kotlinx.coroutines.withContext
import kotlinx.coroutines.withTimeoutOrNull
import org.slf4j.LoggerFactory
import java.time.Duration
import java.util.concurrent.CompletableFuture
import java.util.concurrent.ExecutionException
import java.util.concurrent.TimeUnit
import java.util.concurrent.TimeoutException

/** Where a [ServiceServer] is in its life. */
public enum class ServerStatus {
    /** Built, not started. */
    VIRGIN,

    /** Listening and registered. */
    RUNNING,

    /** Stopping: deregistered, answering new calls 503 while the calls in flight finish. */
    DRAINING,

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
 * answers new calls 503 while the calls in flight finish (bounded by the drain timeout), then stops.
 * Unless turned off with [ServiceServerBuilder.shutdownHook], a JVM shutdown (SIGTERM) runs the same stop.
 *
 * Bad input gets a JSON error naming what was wrong, and the server keeps serving: unknown service or
 * method 404, malformed body or wrong arguments 400 (naming the parameter), a content type other than
 * JSON 415, a body over the limit 413, an exception in the implementation 500 with an error id the server
 * logs it under (its message only with `exposeErrorMessages`).
 *
 * A call's deadline travels with it: the caller sends what remains in the `Switchboard-Timeout` header
 * (milliseconds), capped here by [ServiceServerBuilder.maxRequestTimeout]. When it passes, the
 * implementation is cancelled and the call answered 504; meanwhile the implementation's own calls
 * inherit what remains ([io.switchboard.CallDeadline]). A malformed header value gets 400.
 *
 * Kotlin code calls the suspending [start] and [stop]; Java code calls [startAsync] and [stopAsync], or
 * [close].
 */
public class ServiceServer internal constructor(
    builder: ServiceServerBuilder,
) : AutoCloseable {
    private val hosted = builder.hosted.toMap()
    private val registry = builder.registry
    private val bindHost = builder.bindHost
    private val advertisedHost = builder.advertisedHost ?: builder.bindHost
    private val drainTimeout = builder.drainTimeout
    private val drainQuietPeriod = builder.drainQuietPeriod
    private val registrationTimeout = builder.registrationTimeout
    private val shutdownHookEnabled = builder.shutdownHook
    private val requestedPort = builder.port
    private val weight = builder.weight
    private val startHooks = builder.startHooks.toList()
    private val stopHooks = builder.stopHooks.toList()
    private val errors = ErrorResponses(builder.exposeErrorMessages, builder.exposeStackTraces)
    private val healthEndpoint = HealthEndpoint(builder.checks.toList(), builder.exposeErrorMessages)
    private val access = AccessControl(builder.authenticators.toList(), builder.accessRules.toList())
    private val routes =
        DispatchRoutes(
            hosted,
            builder.codec,
            ArgumentBinder(builder.codec, builder.maxBodyBytes, errors, JsonBodyReader(builder.maxJsonDepth, builder.maxJsonStringLength)),
            errors,
            healthEndpoint,
            InboundDeadlines(builder.maxRequestTimeout, errors),
            access,
            builder.openApi?.let { OpenApiRoutes(hosted.values.map { it.first }, it, access, errors) },
        )

    private val calls = InFlightCalls()
    private val observers = builder.observers.toList()
    private val requestObservers = RequestObservers(observers, if (builder.tls != null) "https" else "http")
    private val gate = RequestGate(builder.allowedHosts?.let { it + HostAllowList.normalize(advertisedHost) }, calls, access, errors)
    private val guard =
        ConnectionGuard(builder.maxConnections, builder.idleTimeout, builder.requestReadTimeout, builder.maxBodyBytes)
    private val tls = builder.tls
    private val requestReadTimeoutMillis = builder.requestReadTimeout.toMillis()
    private val maxHeaderBytes = builder.maxHeaderBytes
    private val maxRequestLineBytes = builder.maxRequestLineBytes
    private val lifecycle = Mutex()
    private val scope = CoroutineScope(SupervisorJob() + Dispatchers.Default + CoroutineName("switchboard-server"))
    private val engineGate = KtorStopGate(::stopBound)
    private val shutdownHook = ServerShutdownHook("switchboard-server-shutdown", ::stopBound, ::stopAsync)

    @Volatile
    private var server: EmbeddedServer<NettyApplicationEngine, NettyApplicationEngine.Configuration>? = null

    private fun components(): List<Lifecycle> = hosted.values.mapNotNull { it.second as? Lifecycle }.distinct()

    /** How many connections are open now (at most `maxConnections`). */
    public val connectionsOpen: Int get() = guard.openConnections

    /** How many calls are being handled now. */
    public val callsInFlight: Int get() = calls.current

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

    /** `http://host:port` of the server, or `https://` with TLS. */
    public val baseUrl: String get() = "${if (tls != null) "https" else "http"}://$advertisedHost:$port"

    /**
     * Runs the start-up hooks and [Lifecycle.onStart] of the hosted components, starts listening, then
     * registers the hosted services, each registration bounded by the registration timeout. A failure
     * or a timeout undoes what did start (listener, registrations, components) and is thrown; the
     * server is then [ServerStatus.STOPPED].
     */
    public suspend fun start(): ServiceServer =
        lifecycle.withLock {
            check(status == ServerStatus.VIRGIN) { "this server was already started (status $status); build a new one" }
            try {
                startHooks.forEach(Runnable::run)
                components().forEach(Lifecycle::onStart)
            } catch (e: Exception) {
                status = ServerStatus.STOPPED
                throw IllegalStateException("a start-up hook failed, so the server did not start: $e", e)
            }
            try {
                val engine = withContext(Dispatchers.IO) { createEngine().also { server = it }.start(wait = false) }
                port =
                    engine.engine
                        .resolvedConnectors()
                        .first()
                        .port
                instances =
                    hosted.keys.map { name ->
                        ServiceInstance(
                            name,
                            advertisedHost,
                            port,
                            weight = weight,
                            secure = tls != null,
                            metadata = mapOf(DispatchProtocol.CHANNELS_METADATA to CHANNELS),
                        )
                    }
                registry?.let { r -> instances.forEach { registerBounded(r, it) } }
            } catch (e: Throwable) {
                withContext(NonCancellable) { undoStart() }
                throw e
            }
            status = ServerStatus.RUNNING
            observers.forEach { o ->
                runCatching {
                    o.serverStarted(
                        this,
                    )
                }.onFailure { log.warn("Server observer {} failed at start: {}", o.name, it.toString()) }
            }
            if (shutdownHookEnabled) engineGate.armed = shutdownHook.install()
            log.info("Serving {} on {}", hosted.keys, baseUrl)
            this
        }

    /** Starts the server as [start] does; for Java. The future fails as [start] would throw. */
    public fun startAsync(): CompletableFuture<ServiceServer> = scope.future { start() }

    /**
     * Deregisters (each deregistration bounded by the registration timeout; a failure is logged), then
     * answers new calls with 503 while the calls in flight finish (up to the drain timeout), then stops
     * listening and runs [Lifecycle.onStop] and the stop hooks. Idempotent; not cancellable once begun.
     */
    public suspend fun stop(): Unit =
        withContext(NonCancellable) {
            lifecycle.withLock {
                if (status == ServerStatus.RUNNING) stopRunning() else status = ServerStatus.STOPPED
            }
        }

    /** Stops the server as [stop] does; for Java. */
    public fun stopAsync(): CompletableFuture<Void?> =
        scope.future {
            stop()
            null
        }

    /**
     * Stops the server as [stop] does, blocking the calling thread until it has stopped, but no longer
     * than the registration timeout per hosted service plus the drain timeout plus 7 s; past that bound
     * it logs a warning and returns while the stop goes on. Kotlin coroutines should prefer [stop].
     */
    override fun close() {
        val stopping = stopAsync()
        try {
            stopping.get(stopBound().toMillis(), TimeUnit.MILLISECONDS)
        } catch (_: TimeoutException) {
            log.warn("{} did not stop within {}; the stop goes on in the background", this, stopBound())
        } catch (e: ExecutionException) {
            throw e.cause ?: e
        }
    }

    /** Runs the health checks now (respecting their caches) and returns each result. */
    public fun health(): Map<String, HealthResult> = healthEndpoint.resultsAsync().join()

    override fun toString(): String = "ServiceServer(${hosted.keys} at $baseUrl, $status)"

    private fun createEngine() =
        embeddedServer(Netty, configure = {
            connector {
                host = bindHost
                port = requestedPort
            }
            shutdownGracePeriod = QUIET_PERIOD_MILLIS
            shutdownTimeout = SHUTDOWN_TIMEOUT_MILLIS
            maxHeaderSize = maxHeaderBytes
            maxInitialLineLength = maxRequestLineBytes
            channelPipelineConfig = {
                guard.install(this)
                // first: the connection guard then counts and times the decrypted bytes
                tls?.let {
                    val handler = it.context.newHandler(channel().alloc())
                    // a handshake gets no longer than a request may take to arrive, and at most 10 s
                    handler.setHandshakeTimeout(minOf(requestReadTimeoutMillis, 10_000L), TimeUnit.MILLISECONDS)
                    addFirst(ConnectionGuard.SSL_HANDLER, handler)
                }
            }
        }) {
            requestObservers.install(this)
            gate.install(this)
            routing { routes.install(this) }
        }.also(engineGate::attach)

    private suspend fun stopRunning() {
        engineGate.armed = true
        registry?.let { r -> instances.forEach { deregisterQuietly(r, it) } }
        calls.refuseNew()
        status = ServerStatus.DRAINING
        val drained =
            withTimeoutOrNull(drainTimeout.toMillis()) {
                calls.awaitIdle()
                // callers that still have this instance in their list keep sending: answer them 503 until they stop
                calls.awaitQuiet(drainQuietPeriod.toNanos())
            }
        if (drained == null) {
            log.warn(
                "Stopping after the drain timeout of {} with {} call(s) still running or calls still arriving",
                drainTimeout,
                calls.current,
            )
        }
        engineGate.release()
        server?.let { s -> withContext(Dispatchers.IO) { s.stop(QUIET_PERIOD_MILLIS, SHUTDOWN_TIMEOUT_MILLIS) } }
        components().forEach { runCatching { it.onStop() }.onFailure { e -> log.warn("onStop of {} failed: {}", it, e.toString()) } }
        stopHooks.forEach { runCatching { it.run() }.onFailure { e -> log.warn("A stop hook failed: {}", e.toString()) } }
        status = ServerStatus.STOPPED
        observers.forEach { o ->
            runCatching { o.serverStopped(this) }.onFailure { log.warn("Server observer {} failed at stop: {}", o.name, it.toString()) }
        }
        shutdownHook.remove()
        log.info("Stopped {}", hosted.keys)
    }

    /** Undoes what a failed [start] did start: the listener, the registrations, the components. */
    private suspend fun undoStart() {
        engineGate.release()
        server?.let { s -> runCatching { withContext(Dispatchers.IO) { s.stop(0, 1_000) } } }
        registry?.let { r -> instances.forEach { deregisterQuietly(r, it) } }
        components().forEach { runCatching { it.onStop() } }
        stopHooks.forEach { runCatching { it.run() } }
        status = ServerStatus.STOPPED
    }

    private suspend fun registerBounded(
        registry: ServiceRegistry,
        instance: ServiceInstance,
    ) = bounded(registry, "registering", instance) { r, i -> r.register(i) }

    /** Deregisters [instance], logging a failure or a timeout. */
    private suspend fun deregisterQuietly(
        registry: ServiceRegistry,
        instance: ServiceInstance,
    ) {
        try {
            bounded(registry, "deregistering", instance) { r, i -> r.deregister(i) }
        } catch (e: Exception) {
            log.warn("Deregistration failed; the registry may still list the instance: {}", e.message ?: e.toString())
        }
    }

    /**
     * Runs [call] for [instance] on [Dispatchers.IO], waiting at most the registration timeout: a registry
     * that blocks without suspending cannot hold the server longer. A timeout throws, naming the registry
     * and the instance.
     */
    private suspend fun bounded(
        registry: ServiceRegistry,
        doing: String,
        instance: ServiceInstance,
        call: suspend (ServiceRegistry, ServiceInstance) -> Unit,
    ) {
        val running = scope.async(Dispatchers.IO) { call(registry, instance) }
        try {
            withTimeoutOrNull(registrationTimeout.toMillis()) { running.await() }
                ?: throw IllegalStateException(
                    "$doing ${instance.serviceName} (${instance.instanceId}) in ${describe(registry)} did not finish within " +
                        "the registration timeout of ${registrationTimeout.toMillis()} ms; is the registry reachable?",
                )
        } finally {
            running.cancel()
        }
    }

    private fun describe(registry: ServiceRegistry): String = (registry as? ServiceDiscovery)?.description ?: registry.toString()

    /** How long a whole stop may take: each deregistration, the drain, the engine stop, and a margin. */
    private fun stopBound(): Duration =
        registrationTimeout
            .multipliedBy(hosted.size.toLong())
            .plus(drainTimeout)
            .plusMillis(SHUTDOWN_TIMEOUT_MILLIS)
            .plusSeconds(5)

    /** Factories. */
    public companion object {
        private val log = LoggerFactory.getLogger(ServiceServer::class.java)
        private const val QUIET_PERIOD_MILLIS = 100L
        private const val SHUTDOWN_TIMEOUT_MILLIS = 2_000L
        private const val CHANNELS = "dispatch-json,dispatch-msgpack,dispatch-protobuf,rest"

        /** A new builder. */
        @JvmStatic
        public fun builder(): ServiceServerBuilder = ServiceServerBuilder()
    }
}
