package io.switchboard.nacos

import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.longs.shouldBeLessThan
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.switchboard.ConfigurationException
import io.switchboard.ServiceManager
import io.switchboard.e2e.Hello
import io.switchboard.e2e.servers
import io.switchboard.registry.nacos.NacosRegistry
import io.switchboard.test.NacosServer
import io.switchboard.test.TestHttpServer
import kotlinx.coroutines.delay

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
