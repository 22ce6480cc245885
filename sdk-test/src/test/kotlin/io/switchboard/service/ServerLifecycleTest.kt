package io.switchboard.service

import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.switchboard.ServiceManager
import io.switchboard.discovery.InMemoryRegistry
import io.switchboard.server.ServerStatus
import io.switchboard.server.ServiceServer
import io.switchboard.server.host
import io.switchboard.test.TestHttpServer
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.delay
import kotlinx.coroutines.withContext
import kotlinx.coroutines.withTimeout
import java.time.Duration
import java.util.concurrent.atomic.AtomicBoolean

class ServerLifecycleTest :
    FunSpec({
        test("a graceful stop while 200 calls are in flight loses none of them") {
            val registry = InMemoryRegistry()
            val server = ServiceServer { host<PeopleService>(People("draining")).registry(registry) }
            server.status shouldBe ServerStatus.VIRGIN
            server.start()
            server.status shouldBe ServerStatus.RUNNING
            ServiceManager {
                discovery(registry)
                connectionPoolSize(256)
            }.use { manager ->
                val people = manager.getService<PeopleService>()
                coroutineScope {
                    val calls = (1..200).map { async { people.slow(3_000) } }
                    withTimeout(20_000) { while (server.callsInFlight < 200) delay(5) }
                    withContext(Dispatchers.IO) { server.stop() }
                    calls.awaitAll().toSet() shouldBe setOf("slept 3000")
                }
            }
            server.status shouldBe ServerStatus.STOPPED
            registry.snapshot("people") shouldBe emptyList()
        }

        test("the health endpoint turns unhealthy on a failing check and on a slow one; results can be cached") {
            val healthy = AtomicBoolean(true)
            val slow = AtomicBoolean(false)
            var runs = 0
            ServiceServer {
                host<PeopleService>(People("health"))
                healthCheck("database", { healthy.get() })
                healthCheck("cache", {
                    if (slow.get()) Thread.sleep(150)
                    true
                }, failIfSlowerThan = Duration.ofMillis(100))
                healthCheck("counted", {
                    runs++
                    true
                }, cacheFor = Duration.ofMinutes(1))
            }.start().use { server ->
                ServiceManager { staticInstances("self", server.instances[0].withServiceName("self")) }.use { m ->
                    suspend fun health() = m.rawGet("self", "/health") { it.status to it.text() }
                    health().first shouldBe 200
                    healthy.set(false)
                    health().let { (status, body) ->
                        status shouldBe 503
                        body shouldContain "\"database\":{\"status\":\"DOWN\""
                    }
                    healthy.set(true)
                    slow.set(true)
                    health().let { (status, body) ->
                        status shouldBe 503
                        body shouldContain "(limit 100 ms)"
                    }
                    runs shouldBe 1
                }
            }
        }
    })
