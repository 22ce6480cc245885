package io.switchboard.e2e

import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.ints.shouldBeLessThanOrEqual
import io.kotest.matchers.shouldBe
import io.switchboard.HttpEngine
import io.switchboard.RequestOptions
import io.switchboard.ServiceManager
import io.switchboard.test.TestHttpServer
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.coroutineScope
import java.time.Duration

/**
 * Each pooling engine (Netty, the default, and OkHttp) keeps connections alive: thousands of calls travel
 * over as many connections as the pool allows, and closing the manager closes them all.
 */
class ConnectionReuseTest :
    FunSpec({
        for (engine in listOf(HttpEngine.NETTY, HttpEngine.OKHTTP)) {
            test("$engine: 5,000 sequential plain and raw calls reuse one connection and leak none") {
                TestHttpServer.start("reuse").use { server ->
                    val manager =
                        ServiceManager {
                            staticInstances("svc", server.instance("svc"))
                            engine(engine)
                        }
                    repeat(2_500) { manager.get<String>("svc", "/hello") }
                    repeat(2_500) { manager.rawGet("svc", "/hello") { it.status } }
                    server.requestCount shouldBe 5_000
                    server.acceptedConnections shouldBe 1
                    manager.close()
                    server.awaitOpenConnections(0) shouldBe true
                }
            }

            test("$engine: a connection idle for the keep-alive time closes, and the next call opens another") {
                TestHttpServer.start("idle").use { server ->
                    ServiceManager {
                        staticInstances("svc", server.instance("svc"))
                        keepAlive(Duration.ofMillis(300))
                        engine(engine)
                    }.use { manager ->
                        repeat(3) { manager.get<String>("svc", "/hello") }
                        server.acceptedConnections shouldBe 1
                        server.awaitOpenConnections(0) shouldBe true
                        manager.get<Hello>("svc", "/hello").server shouldBe "idle"
                        server.acceptedConnections shouldBe 2
                    }
                }
            }

            test("$engine: POSTs reuse connections too, and concurrency never opens more than the pool") {
                TestHttpServer.start("pool").use { server ->
                    val manager =
                        ServiceManager {
                            staticInstances("svc", server.instance("svc"))
                            connectionPoolSize(8)
                            engine(engine)
                        }
                    coroutineScope {
                        (1..2_000)
                            .map { i -> async { manager.post<Echo>("svc", "/echo", RequestOptions { text("n$i") }).body } }
                            .awaitAll()
                    }
                    server.acceptedConnections shouldBeLessThanOrEqual 8
                    server.maxConcurrentRequests shouldBeLessThanOrEqual 8
                    manager.close()
                    server.awaitOpenConnections(0) shouldBe true
                }
            }
        }

        test("the CIO engine can still be chosen, and works") {
            TestHttpServer.start("cio").use { server ->
                ServiceManager {
                    staticInstances("svc", server.instance("svc"))
                    engine(HttpEngine.CIO)
                }.use { manager ->
                    manager.get<Hello>("svc", "/hello").server shouldBe "cio"
                }
            }
        }
    })
