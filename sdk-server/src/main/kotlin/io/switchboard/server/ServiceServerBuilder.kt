package io.switchboard.server

import io.switchboard.codec.JsonCodec
import io.switchboard.server.auth.AccessRule
import io.switchboard.server.auth.Authenticator
import io.switchboard.server.openapi.OpenApiSettings
import io.switchboard.server.openapi.SwaggerUi
import io.switchboard.service.ServiceDescriptor
import io.switchboard.spi.Codec
import io.switchboard.spi.ServiceRegistry
import java.time.Duration

/**
 * Builds a [ServiceServer]: what it hosts, where it listens and registers, and how it starts and stops.
 * Get one from [ServiceServer.builder], or use the Kotlin DSL `ServiceServer { host<Api>(impl) … }`.
 */
public class ServiceServerBuilder internal constructor() {
    internal val hosted = LinkedHashMap<String, Pair<ServiceDescriptor, Any>>()
    internal var registry: ServiceRegistry? = null
    internal var bindHost: String = "127.0.0.1"
    internal var advertisedHost: String? = null
    internal var port: Int = 0
    internal var weight: Double = 1.0
    internal var maxBodyBytes: Long = 1L shl 20
    internal var exposeStackTraces: Boolean = false
    internal var exposeErrorMessages: Boolean = false
    internal var drainTimeout: Duration = Duration.ofSeconds(10)
    internal var registrationTimeout: Duration = Duration.ofSeconds(10)
    internal var shutdownHook: Boolean = true
    internal var maxRequestTimeout: Duration? = null
    internal var codec: Codec = JsonCodec()
    internal val checks = ArrayList<HealthCheckRegistration>()
    internal val startHooks = ArrayList<Runnable>()
    internal val stopHooks = ArrayList<Runnable>()

    /** Runs [hook] at start, before the hosted components start and the server listens. */
    public fun onStart(hook: Runnable): ServiceServerBuilder = apply { startHooks += hook }

    /** Runs [hook] at stop, after the calls in flight drained and the hosted components stopped. */
    public fun onStop(hook: Runnable): ServiceServerBuilder = apply { stopHooks += hook }

    /** Hosts [implementation] of service interface [type]. */
    public fun <T : Any> host(
        type: Class<T>,
        implementation: T,
    ): ServiceServerBuilder =
        apply {
            val descriptor = ServiceDescriptor.of(type).validate()
            require(type.isInstance(implementation)) { "${implementation.javaClass.name} does not implement ${type.name}" }
            hosted[descriptor.name] = descriptor to implementation
        }

    /** Registers the hosted services here once listening, and deregisters them on stop. */
    public fun registry(registry: ServiceRegistry): ServiceServerBuilder = apply { this.registry = registry }

    /** The address to bind; 127.0.0.1 by default. */
    public fun bindHost(host: String): ServiceServerBuilder = apply { bindHost = host }

    /** The address registered for callers; the bind address by default. */
    public fun advertisedHost(host: String): ServiceServerBuilder = apply { advertisedHost = host }

    /** The port; 0 (a free one) by default. */
    public fun port(port: Int): ServiceServerBuilder =
        apply {
            require(port in 0..65535) { "port: $port (expected: 0..65535)" }
            this.port = port
        }

    /** The weight this server's instances are registered with; 1 by default. */
    public fun weight(weight: Double): ServiceServerBuilder =
        apply {
            require(weight >= 0.0 && weight.isFinite()) { "weight: $weight (expected: a finite number >= 0)" }
            this.weight = weight
        }

    /** The largest request body accepted; 1 MiB by default. Larger ones get 413. */
    public fun maxBodyBytes(bytes: Long): ServiceServerBuilder =
        apply {
            require(bytes > 0) { "maxBodyBytes: $bytes (expected: > 0)" }
            maxBodyBytes = bytes
        }

    /**
     * Whether a 500 answer carries the implementation's exception class and message; off by default, when it
     * carries only an error id that the server logs with the exception (messages may hold secrets: a JDBC URL
     * with its password). An implementation that means its caller to read an error throws a
     * [io.switchboard.service.ServiceErrorException], which is answered as it is either way. Also what
     * `/health` shows of a failing check.
     */
    public fun exposeErrorMessages(expose: Boolean): ServiceServerBuilder = apply { exposeErrorMessages = expose }

    /** Whether a 500 answer carries the implementation's stack trace too (with [exposeErrorMessages]); off by default. */
    public fun exposeStackTraces(expose: Boolean): ServiceServerBuilder = apply { exposeStackTraces = expose }

    /** How long [ServiceServer.stop] may drain at most (calls in flight finishing, callers catching up); 10 s by default. */
    public fun drainTimeout(timeout: Duration): ServiceServerBuilder = apply { drainTimeout = timeout }

    internal var drainQuietPeriod: Duration = Duration.ofSeconds(1)

    /**
     * While it drains, a stopping server keeps listening — answering new calls 503 "not processed", which
     * callers retry elsewhere — until no call has arrived for [period]: the callers' registries have learnt
     * of the deregistration. 1 s by default; a server no call reached for that long stops at once. Bounded
     * by the drain timeout.
     */
    public fun drainQuietPeriod(period: Duration): ServiceServerBuilder =
        apply {
            require(!period.isNegative) { "drainQuietPeriod: $period (expected: >= 0)" }
            drainQuietPeriod = period
        }

    /**
     * How long each registry call (registering or deregistering one hosted service) may take; 10 s by
     * default. At start a slower registration fails [ServiceServer.start]; at stop a slower
     * deregistration is logged and the stop goes on.
     */
    public fun registrationTimeout(timeout: Duration): ServiceServerBuilder =
        apply {
            require(!timeout.isNegative && !timeout.isZero) { "registrationTimeout: $timeout (expected: > 0)" }
            registrationTimeout = timeout
        }

    /**
     * Whether a JVM shutdown hook (SIGTERM, SIGINT, `System.exit`) stops the server gracefully, as
     * [ServiceServer.stop] does: deregister, answer new calls 503 while the calls in flight finish, stop.
     * On by default, so that a rolling restart drains without shutdown code of your own; the hook is
     * removed when the server is stopped normally. Turn it off when your own shutdown code stops the server:
     * Ktor's own shutdown hook then still stops the listener at JVM exit, but waits for the drain of a stop
     * that your code has begun.
     */
    public fun shutdownHook(enabled: Boolean): ServiceServerBuilder = apply { shutdownHook = enabled }

    /**
     * The longest a hosted call may run. A caller's deadline (header `Switchboard-Timeout`) longer than this
     * is cut to it, and calls that carry none are bounded by it; when it passes, the implementation is
     * cancelled and the call answered 504. Unset by default: only the caller's deadline bounds a call.
     */
    public fun maxRequestTimeout(timeout: Duration): ServiceServerBuilder =
        apply {
            require(!timeout.isNegative && !timeout.isZero) { "maxRequestTimeout: $timeout (expected: > 0)" }
            maxRequestTimeout = timeout
        }

    internal val observers: MutableList<ServerObserver> = ArrayList()

    /**
     * Adds an observer of every request and of the server's start and stop (sdk-observability's metrics and
     * traces, say); one whose name is already present is ignored.
     */
    public fun addObserver(observer: ServerObserver): ServiceServerBuilder =
        apply { if (observers.none { it.name == observer.name }) observers += observer }

    internal val authenticators: MutableList<Authenticator> = ArrayList()
    internal val accessRules: MutableList<AccessRule> = ArrayList()

    /**
     * Adds an authenticator; several are asked in turn. With any installed, every call needs an identity (401
     * without one) unless [allowAnonymous] lets it in, and the roles [requireRole] asks for (403 without them);
     * `GET /health` stays open but shows its checks' details only to authenticated callers. The identity reaches
     * the implementation: `callerIdentity()` in Kotlin, `CallerIdentity.current()` in Java.
     */
    public fun authenticator(authenticator: Authenticator): ServiceServerBuilder = apply { authenticators += authenticator }

    /** Lets calls to [service] (to its [method], or to all its methods when null) in without credentials. */
    @JvmOverloads
    public fun allowAnonymous(
        service: String,
        method: String? = null,
    ): ServiceServerBuilder = apply { accessRules += AccessRule(service, method, role = null, anonymous = true) }

    /** Requires [role] of the callers of [service] (of its [method], or of all its methods when null). */
    @JvmOverloads
    public fun requireRole(
        role: String,
        service: String,
        method: String? = null,
    ): ServiceServerBuilder =
        apply {
            require(role.isNotBlank()) { "role: '$role' (expected: a role name)" }
            accessRules += AccessRule(service, method, role, anonymous = false)
        }

    internal var idleTimeout: Duration = Duration.ofMinutes(6)
    internal var requestReadTimeout: Duration = Duration.ofSeconds(30)
    internal var maxConnections: Int = 10_000
    internal var maxHeaderBytes: Int = 16 * 1024
    internal var maxRequestLineBytes: Int = 8 * 1024

    /**
     * How long a connection may stay open with no request; 6 minutes by default, longer than a Switchboard
     * caller keeps an idle pooled connection (5), so the caller closes first and never reuses one closing here.
     */
    public fun idleTimeout(timeout: Duration): ServiceServerBuilder = apply { idleTimeout = positive("idleTimeout", timeout) }

    /**
     * How long a request may take to arrive whole, headers and body, from its first byte; 30 s by default. A
     * client that trickles bytes is answered 408 and its connection closed, so slow clients cannot hold
     * connections open at no cost.
     */
    public fun requestReadTimeout(timeout: Duration): ServiceServerBuilder =
        apply { requestReadTimeout = positive("requestReadTimeout", timeout) }

    /**
     * How many connections may be open at once; 10,000 by default. One more is answered 503 (marked not
     * processed, so a Switchboard caller tries another instance) and closed.
     */
    public fun maxConnections(count: Int): ServiceServerBuilder =
        apply {
            require(count > 0) { "maxConnections: $count (expected: > 0)" }
            maxConnections = count
        }

    /** The most bytes a request's headers may take together; 16 KiB by default. More is answered 431. */
    public fun maxHeaderBytes(bytes: Int): ServiceServerBuilder =
        apply {
            require(bytes >= 1024) { "maxHeaderBytes: $bytes (expected: >= 1024)" }
            maxHeaderBytes = bytes
        }

    /** The most bytes a request line (method, path and query) may take; 8 KiB by default. More is answered 414. */
    public fun maxRequestLineBytes(bytes: Int): ServiceServerBuilder =
        apply {
            require(bytes >= 256) { "maxRequestLineBytes: $bytes (expected: >= 256)" }
            maxRequestLineBytes = bytes
        }

    internal var maxJsonDepth: Int = 128
    internal var maxJsonStringLength: Int = 1 shl 20
    internal var allowedHosts: Set<String>? = null
    internal var tls: ServerTls? = null

    /**
     * Serves over TLS (`https`) with [tls]: its certificate, and the client certificates it asks for. The hosted
     * services are then registered as secure, so that callers reach them over `https`. Plain HTTP by default.
     */
    public fun tls(tls: ServerTls): ServiceServerBuilder = apply { this.tls = tls }

    /**
     * How deep JSON arrays and objects may nest in a request body; 128 by default, at most 1,000. Deeper is
     * answered 400 before any of it is decoded.
     */
    public fun maxJsonDepth(depth: Int): ServiceServerBuilder =
        apply {
            require(depth in 1..1000) { "maxJsonDepth: $depth (expected: 1..1000)" }
            maxJsonDepth = depth
        }

    /** How many characters a JSON string (or key) in a request body may have; 1,048,576 by default. Longer is answered 400. */
    public fun maxJsonStringLength(length: Int): ServiceServerBuilder =
        apply {
            require(length > 0) { "maxJsonStringLength: $length (expected: > 0)" }
            maxJsonStringLength = length
        }

    /**
     * The host names (or addresses) callers may address this server by, in the `Host` header; any by default.
     * A request naming another host (or none) is answered 421 before anything else is done for it. Set it on a
     * server a browser can reach: a web page that rebinds its own name to this server's address then cannot read
     * the answers. A port in the header is ignored; names compare without case.
     */
    public fun allowedHosts(vararg hosts: String): ServiceServerBuilder =
        apply {
            require(hosts.isNotEmpty() && hosts.none { it.isBlank() || it.contains('/') || (it.count { c -> c == ':' } == 1) }) {
                "allowedHosts: ${hosts.toList()} (expected: one or more host names or addresses, without scheme or port)"
            }
            allowedHosts = (allowedHosts.orEmpty() + hosts.map { HostAllowList.normalize(it) }).toSet()
        }

    /** The page's files are there, and no hosted GET route has the document's or the page's path. */
    private fun checkOpenApi(settings: OpenApiSettings) {
        if (settings.uiPath != null) SwaggerUi.webjarVersion()
        val ui = settings.uiPath

        fun taken(path: String): Boolean = path == settings.path || (ui != null && (path == ui || path.startsWith("$ui/")))
        hosted.values
            .flatMap { it.first.methods }
            .firstOrNull { it.httpMethod == "GET" && taken(it.path!!) }
            ?.let { m ->
                throw IllegalArgumentException(
                    "openApi: ${m.qualifiedName} is GET ${m.path} already (expected: another path for the document or the page)",
                )
            }
    }

    private fun positive(
        name: String,
        value: Duration,
    ): Duration {
        require(!value.isNegative && !value.isZero) { "$name: $value (expected: > 0)" }
        return value
    }

    internal var openApi: OpenApiSettings? = null

    /**
     * Publishes the hosted services: an OpenAPI 3.1 document at [OpenApiSettings.path] (`GET /openapi.json` by
     * default), and a Swagger UI page when the [settings] ask for one ([OpenApiSettings.Builder.ui]). Off by default.
     * With an [authenticator], only authenticated callers may read them unless the settings allow anonymous ones.
     */
    @JvmOverloads
    public fun openApi(settings: OpenApiSettings = OpenApiSettings.builder().build()): ServiceServerBuilder = apply { openApi = settings }

    /** The codec for arguments and results; [JsonCodec] by default. */
    public fun codec(codec: Codec): ServiceServerBuilder = apply { this.codec = codec }

    /** Adds a health check shown on `GET /health`. */
    @JvmOverloads
    public fun healthCheck(
        name: String,
        check: HealthCheck,
        failIfSlowerThan: Duration? = null,
        cacheFor: Duration? = null,
    ): ServiceServerBuilder = apply { checks += HealthCheckRegistration(name, check, failIfSlowerThan, cacheFor) }

    /** The server, not started. */
    public fun build(): ServiceServer {
        require(hosted.isNotEmpty()) { "no service hosted (expected: host(Interface.class, implementation))" }
        openApi?.let { checkOpenApi(it) }
        return ServiceServer(this)
    }
}

/** Hosts [implementation] as service interface [T]. */
public inline fun <reified T : Any> ServiceServerBuilder.host(implementation: T): ServiceServerBuilder = host(T::class.java, implementation)

/** Publishes the hosted services' OpenAPI document (and page) as [block] sets them up: `openApi { ui(); title("People") }`. */
@JvmSynthetic
public inline fun ServiceServerBuilder.openApi(block: OpenApiSettings.Builder.() -> Unit): ServiceServerBuilder =
    openApi(OpenApiSettings.builder().apply(block).build())

/** Builds a [ServiceServer] with a Kotlin DSL: `ServiceServer { host<Api>(impl); registry(registry) }`. */
@JvmSynthetic
public inline fun ServiceServer(block: ServiceServerBuilder.() -> Unit): ServiceServer = ServiceServer.builder().apply(block).build()
