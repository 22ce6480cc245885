package io.switchboard.nacos

import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldBeEmpty
import io.kotest.matchers.doubles.plusOrMinus
import io.kotest.matchers.nulls.shouldNotBeNull
import io.kotest.matchers.shouldBe
import io.switchboard.ServiceManager
import io.switchboard.balancer.LoadBalancers
import io.switchboard.config.ConfigLoader
import io.switchboard.e2e.Hello
import io.switchboard.e2e.servers
import io.switchboard.registry.nacos.NacosConfig
import io.switchboard.registry.nacos.NacosRegistry
import io.switchboard.test.NacosServer
import io.switchboard.test.TestHttpServer
import kotlinx.coroutines.delay
import java.util.concurrent.TimeUnit

/** Discovery and registration against a real Nacos server started by the build. */
class NacosDiscoveryTest :
    FunSpec({
        val nacos = NacosServer.shared()
        val web = servers(3, "nacos")
        // registers the test's instances; it shows every change, empty lists too
        val registry = NacosRegistry(NacosConfig(nacos.serverAddr, emptyPushProtection = false))
        afterSpec {
            registry.close()
            web.forEach(TestHttpServer::close)
        }

        for (strategy in listOf(LoadBalancers.WEIGHT_ROUND_ROBIN, LoadBalancers.WEIGHT_RANDOM)) {
            test("$strategy splits calls 1:1:2 by the weights registered in Nacos") {
                val service = uniqueName("weighted")
                listOf(1.0, 1.0, 2.0).forEachIndexed { i, w -> registry.register(web[i].instance(service, w)) }
                NacosRegistry(nacos.config()).use { discovery ->
                    ServiceManager {
                        discovery(discovery)
                        loadBalancer(strategy)
                    }.use { manager ->
                        awaitInstances(discovery, service, 3)
                        val counts = List(2_000) { manager.get<Hello>(service, "/hello").server }.groupingBy { it }.eachCount()
                        counts["nacos-0"]!! / 2_000.0 shouldBe (0.25 plusOrMinus 0.04)
                        counts["nacos-1"]!! / 2_000.0 shouldBe (0.25 plusOrMinus 0.04)
                        counts["nacos-2"]!! / 2_000.0 shouldBe (0.5 plusOrMinus 0.04)
                    }
                }
            }
        }

        test("a deregistered instance stops receiving calls (5 times; the delay is reported)") {
            val service = uniqueName("dereg")
            registry.register(web[0].instance(service))
            NacosRegistry(nacos.config()).use { discovery ->
                ServiceManager { discovery(discovery) }.use { manager ->
                    val latencies =
                        List(5) {
                            registry.register(web[1].instance(service))
                            manager.callUntil(service) { it == setOf("nacos-0", "nacos-1") }
                            val started = System.nanoTime()
                            registry.deregister(web[1].instance(service))
                            manager.callUntil(service, timeoutMillis = 20_000) { it == setOf("nacos-0") }
                            (System.nanoTime() - started) / 1_000_000
                        }
                    val median = latencies.sorted()[2]
                    println("Nacos deregistration -> routing change: median $median ms (all: $latencies)")
                }
            }
        }

        test("an instance whose process is killed stops receiving calls (the delay is reported)") {
            val service = uniqueName("killed")
            registry.register(web[0].instance(service))
            val child = startRegisteredChild(RegisterAndWait::class.java, nacos.serverAddr, service, web[2].port.toString())
            try {
                NacosRegistry(nacos.config()).use { discovery ->
                    ServiceManager { discovery(discovery) }.use { manager ->
                        manager.callUntil(service, timeoutMillis = 15_000) { it == setOf("nacos-0", "nacos-2") }
                        val started = System.nanoTime()
                        child.destroyForcibly()
                        manager.callUntil(service, timeoutMillis = 20_000) { it == setOf("nacos-0") }
                        val millis = (System.nanoTime() - started) / 1_000_000
                        println("Nacos killed client -> routing change: $millis ms")
                    }
                }
            } finally {
                child.destroyForcibly().waitFor(5, TimeUnit.SECONDS)
            }
        }

        test("namespaces and groups isolate services") {
            val service = uniqueName("isolated")
            NacosRegistry(nacos.config(namespace = "team-a")).use { teamA ->
                teamA.register(web[0].instance(service))
                NacosRegistry(nacos.config(group = "OTHER_GROUP")).use { otherGroup ->
                    otherGroup.register(web[1].instance(service))
                    awaitInstances(teamA, service, 1)
                    awaitInstances(otherGroup, service, 1)
                    NacosRegistry(nacos.config()).use { public ->
                        public.instances(service).shouldBeEmpty()
                    }
                    teamA.instances(service).single().port shouldBe web[0].port
                    otherGroup.instances(service).single().port shouldBe web[1].port
                }
            }
        }

        test("a manager configured with app-name registers itself on start and deregisters on close") {
            val app = uniqueName("my-app")
            val config =
                ConfigLoader(mapOf("NACOS" to nacos.serverAddr, "PORT" to web[0].port.toString())).parse(
                    """
                    app-registry:
                      nacos:
                        server-addr: ${'$'}{NACOS}
                        app-name: $app
                        ip: 127.0.0.1
                        port: ${'$'}{PORT}
                        weight: 2
                    """.trimIndent(),
                )
            val manager = config.newServiceManager().start()
            manager.selfInstance.shouldNotBeNull().weight shouldBe 2.0
            awaitInstances(registry, app, 1)
            registry.instances(app).single().port shouldBe web[0].port
            manager.get<Hello>(app, "/hello").server shouldBe "nacos-0"
            manager.close()
            awaitInstances(registry, app, 0)
        }

        test("an empty push is held back by default, keeping the last good list; it can be switched off") {
            val service = uniqueName("empty")
            registry.register(web[0].instance(service))
            NacosRegistry(nacos.config()).use { protected ->
                NacosRegistry(NacosConfig(nacos.serverAddr, emptyPushProtection = false)).use { unprotected ->
                    awaitInstances(protected, service, 1)
                    awaitInstances(unprotected, service, 1)
                    registry.deregister(web[0].instance(service))
                    awaitInstances(unprotected, service, 0)
                    protected.instances(service).single().port shouldBe web[0].port
                    protected
                        .status(service)
                        .shouldNotBeNull()
                        .emptyPushHeldBackSince
                        .shouldNotBeNull()
                    ServiceManager { discovery(protected) }.use { it.get<Hello>(service, "/hello").server shouldBe "nacos-0" }
                    registry.register(web[1].instance(service))
                    val deadline = System.currentTimeMillis() + 10_000
                    while (protected.instances(service).single().port != web[1].port && System.currentTimeMillis() < deadline) delay(20)
                    protected.instances(service).single().port shouldBe web[1].port
                    protected.status(service)!!.emptyPushHeldBackSince shouldBe null
                }
            }
        }
    })
