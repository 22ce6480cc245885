package io.switchboard.nacos

import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.longs.shouldBeLessThan
import io.kotest.matchers.nulls.shouldNotBeNull
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.switchboard.ConfigurationException
import io.switchboard.NoInstanceAvailableException
import io.switchboard.ServiceManager
import io.switchboard.config.ConfigLoader
import io.switchboard.e2e.Hello
import io.switchboard.e2e.servers
import io.switchboard.registry.nacos.NacosRegistry
import io.switchboard.test.NacosServer
import io.switchboard.test.TestHttpServer
import kotlinx.coroutines.delay
import java.nio.file.Files

/** Nacos going away and coming back, and Nacos with authentication, each on a dedicated server. */
class NacosOutageTest :
    FunSpec({
        val web = servers(2, "outage")
        afterSpec { web.forEach(TestHttpServer::close) }

        test("with Nacos stopped, calls go on against the last good list; updates resume when it is back") {
            NacosServer.launch().use { nacos ->
                val service = uniqueName("outage")
                NacosRegistry(nacos.config()).use { registrar ->
                    registrar.register(web[0].instance(service))
                    NacosRegistry(nacos.config()).use { discovery ->
                        ServiceManager { discovery(discovery) }.use { manager ->
                            manager.callUntil(service) { it == setOf("outage-0") }
                            nacos.stop()
                            repeat(50) {
                                manager.get<Hello>(service, "/hello").server shouldBe "outage-0"
                                delay(40)
                            }
                            nacos.start()
                            // the clients reconnect by themselves and redo their registrations and subscriptions: outage-0
                            // comes back from the registrar's redo, outage-1 from a process that starts after the outage.
                            // (A second instance registered through the same client right at the reconnection can be undone
                            // by that client's own redo, which replays the registration it held before: nacos-client's race.)
                            NacosRegistry(nacos.config()).use { newcomer ->
                                newcomer.register(web[1].instance(service))
                                manager.callUntil(service, timeoutMillis = 60_000) { it == setOf("outage-0", "outage-1") }
                            }
                        }
                    }
                }
            }
        }

        test("started while Nacos is down, a manager serves calls from its instance snapshot, then live data once Nacos is back") {
            NacosServer.launch().use { nacos ->
                val service = uniqueName("cold")
                val snapshot = Files.createTempDirectory("nacos-snapshot").resolve("instances.json")
                val config =
                    ConfigLoader(mapOf("NACOS" to nacos.serverAddr)).parse(
                        """
                        service-caller:
                          instance-snapshot:
                            path: $snapshot
                        app-registry:
                          nacos:
                            server-addr: ${'$'}{NACOS}
                        """.trimIndent(),
                    )
                NacosRegistry(nacos.config()).use { registrar ->
                    registrar.register(web[0].instance(service))
                    config.newServiceManager().use { manager ->
                        manager.callUntil(service) { it == setOf("outage-0") }
                        val port = "${web[0].port}"
                        pollUntil("the snapshot holds the instance") { Files.exists(snapshot) && port in Files.readString(snapshot) }
                    }
                    nacos.stop()
                    config.newServiceManager().use { manager ->
                        val snapshots = manager.snapshotDiscovery.shouldNotBeNull()
                        repeat(20) { manager.get<Hello>(service, "/hello").server shouldBe "outage-0" }
                        snapshots.status(service).shouldNotBeNull().isStale shouldBe true
                        shouldThrow<NoInstanceAvailableException> { manager.get<Hello>("never-called", "/hello") }.message shouldContain
                            "the registry (nacos ${nacos.serverAddr} (namespace '', group DEFAULT_GROUP)) is unreachable"
                        nacos.start()
                        // the manager connects in the background; the registrar's own client registers outage-0 again
                        pollUntil("the manager serves live data", 90_000) {
                            manager.get<Hello>(service, "/hello").server shouldBe "outage-0"
                            snapshots.status(service)?.isStale == false
                        }
                        manager.callUntil(service, timeoutMillis = 30_000) { it == setOf("outage-0") }
                    }
                }
            }
        }

        test("with auth on, the right password works and a wrong one fails at start with a clear error") {
            NacosServer.launch(NacosServer.Options(auth = true)).use { nacos ->
                val service = uniqueName("secured")
                NacosRegistry(nacos.config()).use { ok ->
                    ok.register(web[0].instance(service))
                    awaitInstances(ok, service, 1)
                }
                val started = System.nanoTime()
                val wrong =
                    io.switchboard.registry.nacos
                        .NacosConfig(nacos.serverAddr, username = "nacos", password = "wrong")
                val e = shouldThrow<ConfigurationException> { NacosRegistry(wrong) }
                e.message shouldContain "Nacos at ${nacos.serverAddr} refused user 'nacos'"
                e.message shouldContain "check app-registry.nacos.username and password"
                e.message!!.contains("wrong") shouldBe false
                ((System.nanoTime() - started) / 1_000_000) shouldBeLessThan 10_000L
            }
        }
    })
