package io.switchboard.e2e

import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldContain
import io.kotest.matchers.longs.shouldBeLessThan
import io.kotest.matchers.shouldBe
import io.ktor.http.ContentType
import io.ktor.server.engine.embeddedServer
import io.ktor.server.netty.Netty
import io.ktor.server.response.header
import io.ktor.server.response.respondBytes
import io.ktor.server.response.respondBytesWriter
import io.ktor.server.response.respondText
import io.ktor.server.routing.get
import io.ktor.server.routing.routing
import io.ktor.utils.io.writeStringUtf8
import io.switchboard.HttpEngine
import io.switchboard.RequestContext
import io.switchboard.RequestOptions
import io.switchboard.ServiceInstance
import io.switchboard.ServiceManager
import io.switchboard.ServiceTimeoutException
import io.switchboard.TimeoutKind
import io.switchboard.spi.Interceptor
import kotlinx.coroutines.cancelAndJoin
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.delay
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import java.time.Duration
import java.util.zip.GZIPOutputStream

private val BIG = ByteArray(2 * 1024 * 1024 + 17) { (it % 251).toByte() }

private val ZIPPED: ByteArray =
    java.io
        .ByteArrayOutputStream()
        .also { out ->
            GZIPOutputStream(out).use { it.write("compressible ".repeat(2_000).toByteArray()) }
        }.toByteArray()

/**
 * Each engine a manager can send with (Netty, the default, and OkHttp): bodies above the 1 MiB that are
 * read at once stream whole, chunked and gzipped bodies arrive intact, a timeout cuts a body that trickles
 * in, and response headers keep their names and order.
 */
class TransportTest :
    FunSpec({
        val server =
            embeddedServer(Netty, host = "127.0.0.1", port = 0) {
                routing {
                    get("/big") { call.respondBytes(BIG, ContentType.Application.OctetStream) }
                    get("/chunked") {
                        call.respondBytesWriter(ContentType.Text.Plain) {
                            for (part in listOf("alpha-", "beta-", "gamma")) {
                                writeStringUtf8(part)
                                flush()
                            }
                        }
                    }
                    get("/trickle") {
                        call.respondBytesWriter(ContentType.Text.Plain) {
                            repeat(100) {
                                writeStringUtf8("x")
                                flush()
                                delay(50)
                            }
                        }
                    }
                    get("/headers") {
                        call.response.header("X-Request-Id", "r-1")
                        call.response.header("X-Dup", "first")
                        call.response.header("X-Dup", "second")
                        call.respondText("ok")
                    }
                    get("/say/{word}") { call.respondText(call.parameters["word"]!!) }
                    get("/big-header") {
                        call.response.header("X-Big", "b".repeat(20_000))
                        call.respondText("ok")
                    }
                    get("/zipped") {
                        call.response.header("Content-Encoding", "gzip")
                        call.respondBytes(ZIPPED, ContentType.Text.Plain)
                    }
                }
            }.start(wait = false)
        val port =
            runBlocking {
                server.engine
                    .resolvedConnectors()
                    .first()
                    .port
            }
        val managers = ArrayList<ServiceManager>()
        afterSpec {
            managers.forEach(ServiceManager::close)
            server.stop(0, 1_000)
        }

        for (engine in listOf(HttpEngine.NETTY, HttpEngine.OKHTTP)) {
            val seen = ArrayList<Map<String, List<String>>>()
            val manager =
                ServiceManager {
                    staticInstances("svc", ServiceInstance("svc", "127.0.0.1", port))
                    engine(engine)
                    addInterceptor(
                        object : Interceptor {
                            override val name: String get() = "headers"

                            override suspend fun afterResponse(context: RequestContext) {
                                synchronized(seen) { seen += context.response!!.headers }
                            }
                        },
                    )
                }.also(managers::add)

            test("$engine: a body of 2 MiB streams through whole") {
                manager.rawGet("svc", "/big") { it.bytes() }.contentEquals(BIG) shouldBe true
                manager.get<ByteArray>("svc", "/big").contentEquals(BIG) shouldBe true
            }

            test("$engine: a chunked body without a Content-Length arrives intact") {
                manager.get<String>("svc", "/chunked") shouldBe "alpha-beta-gamma"
                manager.rawGet("svc", "/chunked") { it.text() } shouldBe "alpha-beta-gamma"
            }

            test("$engine: a path with spaces and non-ASCII characters arrives as written; 20 KB of headers are read") {
                manager.get<String>("svc", "/say/a b") shouldBe "a b"
                manager.get<String>("svc", "/say/caf\u00e9") shouldBe "caf\u00e9"
                manager.rawGet("svc", "/big-header") { it.header("X-Big")?.length } shouldBe 20_000
            }

            test("$engine: a gzipped answer arrives decoded") {
                manager.get<String>("svc", "/zipped") shouldBe "compressible ".repeat(2_000)
            }

            test("$engine: a call's timeout cuts a body that trickles in, and the manager keeps serving") {
                val started = System.nanoTime()
                shouldThrow<ServiceTimeoutException> {
                    manager.get<String>("svc", "/trickle", RequestOptions { timeout(Duration.ofMillis(300)) })
                }
                (System.nanoTime() - started) / 1_000_000 shouldBeLessThan 2_000
                manager.get<String>("svc", "/chunked") shouldBe "alpha-beta-gamma"
            }

            test("$engine: each timeout fails as its kind: read (nothing arrives), request (the whole call), connect (no accept)") {
                HeldServer("held-$engine").use { held ->
                    ServiceManager {
                        staticInstances("held", held.server.instance("held"))
                        engine(engine)
                        readTimeout(Duration.ofMillis(300))
                    }.use { timed ->
                        shouldThrow<ServiceTimeoutException> { timed.get<String>("held", "/held") }.kind shouldBe TimeoutKind.READ
                        val call = RequestOptions { timeout(Duration.ofMillis(200)) }
                        shouldThrow<ServiceTimeoutException> { manager.get<String>("svc", "/trickle", call) }.kind shouldBe
                            TimeoutKind.REQUEST
                    }
                }
                UnacceptingPort().use { full ->
                    ServiceManager {
                        staticInstances("full", ServiceInstance("full", "127.0.0.1", full.port))
                        engine(engine)
                        connectTimeout(Duration.ofMillis(300))
                    }.use { connecting ->
                        val started = System.nanoTime()
                        shouldThrow<ServiceTimeoutException> { connecting.get<String>("full", "/x") }.kind shouldBe TimeoutKind.CONNECT
                        (System.nanoTime() - started) / 1_000_000 shouldBeLessThan 5_000
                    }
                }
            }

            test("$engine: a cancelled call closes its connection, and the next call opens a fresh one") {
                HeldServer("cancel-$engine").use { held ->
                    ServiceManager {
                        staticInstances("held", held.server.instance("held"))
                        engine(engine)
                    }.use { cancelling ->
                        coroutineScope {
                            val call = launch { cancelling.get<String>("held", "/held") }
                            held.awaitArrival()
                            call.cancelAndJoin()
                        }
                        held.server.awaitOpenConnections(0) shouldBe true
                        cancelling.get<Hello>("held", "/hello").server shouldBe "cancel-$engine"
                        held.server.acceptedConnections shouldBe 2
                        held.answeredCount shouldBe 0
                    }
                }
            }

            test("$engine: response headers keep the server's spelling, and the first of repeated values comes first") {
                manager.rawGet("svc", "/headers") { it.header("x-dup") } shouldBe "first"
                val headers = synchronized(seen) { seen.last() }
                headers.keys shouldContain "X-Request-Id"
                headers["X-Dup"] shouldBe listOf("first", "second")
            }
        }
    })

/**
 * A loopback port whose listener never accepts, with its accept queue already full: a connection to it
 * hangs in the handshake until the client gives up, as to a host that is down. Fails if the queue cannot
 * be filled.
 */
private class UnacceptingPort : AutoCloseable {
    private val listener = java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())
    private val fillers = ArrayList<java.net.Socket>()
    val port: Int = listener.localPort

    init {
        var full = false
        while (!full && fillers.size < 64) {
            val socket = java.net.Socket()
            try {
                socket.connect(java.net.InetSocketAddress(listener.inetAddress, port), 200)
                fillers += socket
            } catch (e: java.net.SocketTimeoutException) {
                socket.close()
                full = true
            }
        }
        check(full) { "could not fill the accept queue of port $port" }
    }

    override fun close() {
        fillers.forEach { it.close() }
        listener.close()
    }
}
