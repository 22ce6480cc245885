package io.switchboard.nacos

import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldContain
import io.kotest.matchers.collections.shouldNotContain
import io.kotest.matchers.shouldBe
import io.switchboard.NoInstanceAvailableException
import io.switchboard.ServiceManager
import io.switchboard.e2e.Hello
import io.switchboard.e2e.servers
import io.switchboard.registry.nacos.NacosRegistry
import io.switchboard.test.NacosServer
import io.switchboard.test.TestHttpServer
import kotlinx.coroutines.delay
import java.time.Duration

/** Subscriptions are bounded: a name nobody calls any more (a typo, say) is unsubscribed; a name in use stays. */
class NacosSubscriptionTest :
    FunSpec({
        val web = servers(1, "subs")
        afterSpec { web.forEach(TestHttpServer::close) }

        test("a service not called for the idle timeout is unsubscribed; one in use stays subscribed") {
            val nacos = NacosServer.shared()
            val used = uniqueName("used")
            val typo = uniqueName("typo")
            NacosRegistry(nacos.config()).use { registrar ->
                registrar.register(web[0].instance(used))
                NacosRegistry(nacos.config(), subscriptionIdleTimeout = Duration.ofSeconds(2)).use { discovery ->
                    ServiceManager { discovery(discovery) }.use { manager ->
                        shouldThrow<NoInstanceAvailableException> { manager.get<Hello>(typo, "/hello") }
                        awaitInstances(discovery, used, 1)
                        discovery.subscribedServices shouldContain typo
                        // keep calling `used` while waiting (bounded) for `typo` to be dropped
                        val deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos()
                        while (typo in discovery.subscribedServices && System.nanoTime() < deadline) {
                            manager.get<Hello>(used, "/hello").server shouldBe "subs-0"
                            delay(100)
                        }
                        discovery.subscribedServices shouldNotContain typo
                        discovery.subscribedServices shouldContain used
                        // a dropped name resolves again when it is called again
                        shouldThrow<NoInstanceAvailableException> { manager.get<Hello>(typo, "/hello") }
                        discovery.subscribedServices shouldContain typo
                    }
                }
            }
        }
    })
