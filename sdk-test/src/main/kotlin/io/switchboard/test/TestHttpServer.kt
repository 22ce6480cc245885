package io.switchboard.test

import io.ktor.http.ContentType
import io.ktor.http.HttpStatusCode
import io.ktor.server.application.ApplicationCallPipeline
import io.ktor.server.application.call
import io.ktor.server.engine.EmbeddedServer
import io.ktor.server.engine.connector
import io.ktor.server.engine.embeddedServer
import io.ktor.server.netty.Netty
import io.ktor.server.netty.NettyApplicationEngine
import io.ktor.server.request.httpMethod
import io.ktor.server.request.path
import io.ktor.server.request.receiveText
import io.ktor.server.response.respondText
import io.ktor.server.routing.Routing
import io.ktor.server.routing.get
import io.ktor.server.routing.route
import io.ktor.server.routing.routing
import io.netty.channel.Channel
import io.netty.channel.ChannelHandler
import io.netty.channel.ChannelHandlerContext
import io.netty.channel.ChannelInboundHandlerAdapter
import io.switchboard.ServiceInstance
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.delay
import kotlinx.coroutines.future.future
import kotlinx.serialization.json.JsonArray
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.JsonPrimitive
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.atomic.AtomicInteger

/**
 * A real HTTP server (Ktor on Netty) on 127.0.0.1 and a free port, for tests that call services.
 *
 * It answers these paths out of the box:
 * - `GET /hello` → `{"status":"OK","server":"<name>"}`;
 * - any method on `/echo` and `/echo/…` → the method, path, query, headers and body it received, as JSON;
 * - any method on `/status/{code}` → that status with `{"status":<code>,"server":"<name>"}`;
 * - `GET /delay/{millis}` → waits, then `{"delayed":<millis>,"server":"<name>"}`;
 *
 * and whatever [stub] or the Kotlin `routes` block add. It counts the TCP connections it accepted and
 * those still open, so tests can check connection reuse and leaks.
 */
public class TestHttpServer private constructor(
    /** The name the server reports in its answers, and the instance id of [instance]. */
    public val name: String,
    routes: Routing.() -> Unit,
) : AutoCloseable {
    private val accepted = AtomicInteger()
    private val open = AtomicInteger()
    private val requests = AtomicInteger()
    private val inFlight = AtomicInteger()
    private val maxInFlight = AtomicInteger()
    private val stubs = ConcurrentHashMap<String, Stub>()

    private val server: EmbeddedServer<NettyApplicationEngine, NettyApplicationEngine.Configuration> =
        embeddedServer(
            Netty,
            configure = {
                connector {
                    host = HOST
                    port = 0
                }
                shutdownGracePeriod = 0
                shutdownTimeout = 2_000
                configureBootstrap = { handler(ConnectionCounter()) }
            },
        ) {
            intercept(ApplicationCallPipeline.Setup) {
                requests.incrementAndGet()
                maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), ::maxOf)
                try {
                    proceed()
                } finally {
                    inFlight.decrementAndGet()
                }
            }
            routing {
                routes()
                builtIns()
            }
        }.start(wait = false)

    /** The port the server listens on. */
    public val port: Int =
        // the fixture's constructor blocks until the server listens, by contract; Unconfined needs no pool thread
        CoroutineScope(Dispatchers.Unconfined)
            .future {
                server.engine
                    .resolvedConnectors()
                    .first()
                    .port
            }.join()

    /** `http://127.0.0.1:<port>`. */
    public val baseUrl: String get() = "http://$HOST:$port"

    /** How many TCP connections the server has accepted. */
    public val acceptedConnections: Int get() = accepted.get()

    /** How many accepted TCP connections are still open. */
    public val openConnections: Int get() = open.get()

    /** How many requests the server has received. */
    public val requestCount: Int get() = requests.get()

    /** The most requests the server was handling at the same time. */
    public val maxConcurrentRequests: Int get() = maxInFlight.get()

    /** This server as an instance of [serviceName], with [weight]; the instance id is the server's [name]. */
    @JvmOverloads
    public fun instance(
        serviceName: String,
        weight: Double = 1.0,
    ): ServiceInstance = ServiceInstance(serviceName, HOST, port, instanceId = name, weight = weight)

    /** Answers [method] [path] with [status], [body] and [contentType] (paths other than the built-in ones). */
    @JvmOverloads
    public fun stub(
        method: String,
        path: String,
        status: Int,
        body: String,
        contentType: String = "application/json",
    ): TestHttpServer =
        apply {
            stubs["${method.uppercase()} $path"] = Stub(status, body, contentType)
        }

    /** Waits up to [timeoutMillis] until [openConnections] is [expected]; returns whether it got there. */
    @JvmOverloads
    public fun awaitOpenConnections(
        expected: Int,
        timeoutMillis: Long = 5_000,
    ): Boolean {
        val deadline = System.currentTimeMillis() + timeoutMillis
        while (System.currentTimeMillis() < deadline) {
            if (open.get() == expected) return true
            Thread.sleep(10)
        }
        return open.get() == expected
    }

    /** Stops the server. */
    override fun close() {
        server.stop(0, 2_000)
    }

    override fun toString(): String = "TestHttpServer($name at $baseUrl)"

    private fun Routing.builtIns() {
        get("/hello") { call.respondJson(obj("status" to JsonPrimitive("OK"), "server" to JsonPrimitive(name))) }
        route("/echo/{rest...}") { handle { echo() } }
        route("/echo") { handle { echo() } }
        route("/status/{code}") {
            handle {
                val code = call.parameters["code"]?.toIntOrNull() ?: 400
                call.respondJson(obj("status" to JsonPrimitive(code), "server" to JsonPrimitive(name)), HttpStatusCode.fromValue(code))
            }
        }
        get("/delay/{millis}") {
            val millis = call.parameters["millis"]?.toLongOrNull() ?: 0
            delay(millis)
            call.respondJson(obj("delayed" to JsonPrimitive(millis), "server" to JsonPrimitive(name)))
        }
        route("{path...}") {
            handle {
                val stub = stubs["${call.request.httpMethod.value} ${call.request.path()}"]
                if (stub == null) {
                    call.respondJson(obj("error" to JsonPrimitive("no route for ${call.request.path()}")), HttpStatusCode.NotFound)
                } else {
                    call.respondText(stub.body, ContentType.parse(stub.contentType), HttpStatusCode.fromValue(stub.status))
                }
            }
        }
    }

    private suspend fun io.ktor.server.routing.RoutingContext.echo() {
        val request = call.request
        val echoed =
            obj(
                "method" to JsonPrimitive(request.httpMethod.value),
                "path" to JsonPrimitive(request.path()),
                "query" to JsonObject(request.queryParameters.entries().associate { (k, v) -> k to JsonArray(v.map(::JsonPrimitive)) }),
                "headers" to
                    JsonObject(request.headers.entries().associate { (k, v) -> k.lowercase() to JsonPrimitive(v.joinToString(",")) }),
                "body" to JsonPrimitive(call.receiveText()),
                "server" to JsonPrimitive(name),
            )
        call.respondJson(echoed)
    }

    private suspend fun io.ktor.server.application.ApplicationCall.respondJson(
        body: JsonObject,
        status: HttpStatusCode = HttpStatusCode.OK,
    ) = respondText(body.toString(), ContentType.Application.Json, status)

    private fun obj(vararg pairs: Pair<String, kotlinx.serialization.json.JsonElement>) = JsonObject(mapOf(*pairs))

    private class Stub(
        val status: Int,
        val body: String,
        val contentType: String,
    )

    /** Counts the child channels the server channel accepts, and decrements when each closes. */
    @ChannelHandler.Sharable
    private inner class ConnectionCounter : ChannelInboundHandlerAdapter() {
        override fun channelRead(
            ctx: ChannelHandlerContext,
            msg: Any,
        ) {
            if (msg is Channel) {
                accepted.incrementAndGet()
                open.incrementAndGet()
                msg.pipeline().addFirst(ClosingCounter())
            }
            ctx.fireChannelRead(msg)
        }
    }

    /** Counts one connection down when it closes. */
    private inner class ClosingCounter : ChannelInboundHandlerAdapter() {
        override fun channelInactive(ctx: ChannelHandlerContext) {
            open.decrementAndGet()
            ctx.fireChannelInactive()
        }
    }

    /** Factories. */
    public companion object {
        /** The loopback address the server binds. */
        public const val HOST: String = "127.0.0.1"

        /** Starts a server called [name] with the standard routes. */
        @JvmStatic
        @JvmOverloads
        public fun start(name: String = "test-server"): TestHttpServer = TestHttpServer(name) {}

        /** Starts a server called [name] with the standard routes and [routes] of the caller's own (Kotlin). */
        @JvmSynthetic
        public fun start(
            name: String,
            routes: Routing.() -> Unit,
        ): TestHttpServer = TestHttpServer(name, routes)
    }
}
