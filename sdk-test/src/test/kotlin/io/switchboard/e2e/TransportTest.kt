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
import io.switchboard.spi.Interceptor
import kotlinx.coroutines.delay
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

            test("$engine: response headers keep the server's spelling, and the first of repeated values comes first") {
                manager.rawGet("svc", "/headers") { it.header("x-dup") } shouldBe "first"
                val headers = synchronized(seen) { seen.last() }
                headers.keys shouldContain "X-Request-Id"
                headers["X-Dup"] shouldBe listOf("first", "second")
            }
        }
    })
