package io.switchboard.e2e

import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.doubles.plusOrMinus
import io.kotest.matchers.shouldBe
import io.kotest.matchers.shouldNotBe
import io.switchboard.ServiceManager
import io.switchboard.balancer.LoadBalancers
import io.switchboard.test.TestHttpServer

/** Calls go where the strategy says, counted on the servers' side of real HTTP calls. */
class LoadBalancingTest :
    FunSpec({
        val (a, b, c) = servers(3, "lb")
        afterSpec { listOf(a, b, c).forEach(TestHttpServer::close) }

        suspend fun distribution(
            manager: ServiceManager,
            service: String,
            calls: Int,
        ): Map<String, Double> {
            val counts = HashMap<String, Int>()
            repeat(calls) {
                val server = manager.get<Hello>(service, "/hello").server
                counts[server] = (counts[server] ?: 0) + 1
            }
            return counts.mapValues { it.value.toDouble() / calls }
        }

        for (strategy in listOf(LoadBalancers.WEIGHT_ROUND_ROBIN, LoadBalancers.WEIGHT_RANDOM)) {
            test("$strategy splits 4,000 calls 3:1 by weight, within 5%") {
                ServiceManager {
                    staticInstances("svc", a.instance("svc", weight = 3.0), b.instance("svc", weight = 1.0))
                    loadBalancer(strategy)
                }.use { manager ->
                    val shares = distribution(manager, "svc", 4_000)
                    shares["lb-0"]!! shouldBe (0.75 plusOrMinus 0.05)
                    shares["lb-1"]!! shouldBe (0.25 plusOrMinus 0.05)
                }
            }
        }

        test("round_robin takes each instance in turn, ignoring weights") {
            ServiceManager {
                staticInstances("svc", a.instance("svc", 5.0), b.instance("svc", 1.0), c.instance("svc", 1.0))
                loadBalancer(LoadBalancers.ROUND_ROBIN)
            }.use { manager ->
                val order = List(9) { manager.get<Hello>("svc", "/hello").server }
                order.chunked(3).map { it.toSet() }.forEach { it shouldBe setOf("lb-0", "lb-1", "lb-2") }
                order.windowed(2).forEach { (x, y) -> x shouldNotBe y }
            }
        }

        test("random reaches every instance about equally") {
            ServiceManager {
                staticInstances("svc", a.instance("svc"), b.instance("svc"), c.instance("svc"))
                loadBalancer(LoadBalancers.RANDOM)
            }.use { manager ->
                distribution(manager, "svc", 1_500).values.forEach { it shouldBe (1.0 / 3 plusOrMinus 0.06) }
            }
        }

        test("unhealthy and zero-weight instances never get a call, whatever the strategy") {
            for (strategy in LoadBalancers.names) {
                ServiceManager {
                    staticInstances("svc", a.instance("svc"), b.instance("svc").withHealthy(false), c.instance("svc", weight = 0.0))
                    loadBalancer(strategy)
                }.use { manager ->
                    distribution(manager, "svc", 100).keys shouldBe setOf("lb-0")
                }
            }
        }

        test("a service can have its own strategy") {
            ServiceManager {
                staticInstances("even", a.instance("even"), b.instance("even", weight = 9.0))
                staticInstances("weighted", a.instance("weighted"), b.instance("weighted", weight = 9.0))
                loadBalancer(LoadBalancers.ROUND_ROBIN)
                loadBalancer("weighted", LoadBalancers.WEIGHT_ROUND_ROBIN)
            }.use { manager ->
                distribution(manager, "even", 100)["lb-1"] shouldBe 0.5
                distribution(manager, "weighted", 100)["lb-1"] shouldBe 0.9
            }
        }

        test("instances registered and deregistered at run time change routing at the next call") {
            ServiceManager { loadBalancer(LoadBalancers.ROUND_ROBIN) }.use { manager ->
                val registry = manager.embeddedRegistry
                registry.add(a.instance("live"))
                distribution(manager, "live", 10).keys shouldBe setOf("lb-0")
                registry.add(b.instance("live"))
                distribution(manager, "live", 10).keys shouldBe setOf("lb-0", "lb-1")
                registry.remove(a.instance("live"))
                distribution(manager, "live", 10).keys shouldBe setOf("lb-1")
            }
        }
    })
