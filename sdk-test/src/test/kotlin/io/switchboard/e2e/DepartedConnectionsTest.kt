package io.switchboard.e2e

import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.ints.shouldBeGreaterThan
import io.kotest.matchers.shouldBe
import io.switchboard.ServiceManager
import io.switchboard.balancer.LoadBalancers
import io.switchboard.discovery.InMemoryRegistry
import io.switchboard.test.TestHttpServer

/**
 * The default (Netty) engine closes its connections to an instance as soon as the instance leaves the
 * registry, with no further call needed, and keeps those to an address another service still lists.
 * (Idle connections otherwise close after the keep-alive time, five minutes by default.)
 */
class DepartedConnectionsTest :
    FunSpec({
        test("connections to an instance that leaves close at once; those to the others stay and carry the calls") {
            TestHttpServer.start("a").use { a ->
                TestHttpServer.start("b").use { b ->
                    val registry = InMemoryRegistry().apply { addAll(listOf(a.instance("svc"), b.instance("svc"))) }
                    ServiceManager {
                        discovery(registry)
                        loadBalancer(LoadBalancers.ROUND_ROBIN)
                    }.use { manager ->
                        repeat(20) { manager.get<Hello>("svc", "/hello") }
                        a.openConnections shouldBe 1
                        b.openConnections shouldBe 1

                        registry.remove(b.instance("svc"))

                        b.awaitOpenConnections(0) shouldBe true
                        repeat(20) { manager.get<Hello>("svc", "/hello").server shouldBe "a" }
                        a.acceptedConnections shouldBe 1
                        b.requestCount shouldBe 10
                    }
                }
            }
        }

        test("an address one service drops but another still lists keeps its connection") {
            TestHttpServer.start("shared").use { server ->
                val registry = InMemoryRegistry().apply { addAll(listOf(server.instance("orders"), server.instance("billing"))) }
                ServiceManager {
                    discovery(registry)
                }.use { manager ->
                    manager.get<Hello>("orders", "/hello")
                    manager.get<Hello>("billing", "/hello")

                    registry.remove(server.instance("billing"))

                    repeat(10) { manager.get<Hello>("orders", "/hello") }
                    server.acceptedConnections shouldBe 1
                    server.openConnections shouldBeGreaterThan 0
                }
            }
        }
    })
