package io.switchboard.service

import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.switchboard.RequestOptions
import io.switchboard.ServiceInstance
import io.switchboard.ServiceManager
import io.switchboard.discovery.InMemoryRegistry
import io.switchboard.server.ServerStatus
import io.switchboard.server.ServiceServer
import io.switchboard.server.host
import io.switchboard.spi.ServiceRegistry
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitCancellation
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.delay
import kotlinx.coroutines.withTimeout
import java.time.Duration
import java.util.concurrent.CountDownLatch
import java.util.concurrent.atomic.AtomicBoolean

/** A people service whose `slow` call waits inside the implementation until the test releases it. */
class HeldPeople(
    private val entered: CompletableDeferred<Unit>,
    private val release: CompletableDeferred<Unit>,
) : PeopleService by People("held") {
    override suspend fun slow(millis: Long): String {
        entered.complete(Unit)
        release.await()
        return "slept $millis"
    }
}

/** Waits, at most [millis], until [condition] holds; polls, never sleeps to synchronise. */
suspend fun eventually(
    what: String,
    millis: Long = 10_000,
    condition: () -> Boolean,
) {
    val deadline = System.nanoTime() + millis * 1_000_000
    while (!condition()) {
        check(System.nanoTime() < deadline) { "still not true after $millis ms: $what" }
        delay(5)
    }
}

class ServerLifecycleTest :
    FunSpec({
        test("a stop drains: the call in flight finishes 200, a new call gets 503, then the server stops and is deregistered") {
            val registry = InMemoryRegistry()
            val entered = CompletableDeferred<Unit>()
            val release = CompletableDeferred<Unit>()
            val server =
                ServiceServer {
                    host<PeopleService>(HeldPeople(entered, release)).registry(registry)
                    drainTimeout(Duration.ofSeconds(30))
                }
            server.status shouldBe ServerStatus.VIRGIN
            server.start()
            server.status shouldBe ServerStatus.RUNNING
            registry.snapshot("people").map { it.port } shouldBe listOf(server.port)
            ServiceManager { discovery(registry) }.use { manager ->
                ServiceManager { staticInstances("raw", server.instances[0].withServiceName("raw")) }.use { raw ->
                    coroutineScope {
                        val held = async { manager.getService<PeopleService>(Channel.DISPATCH_JSON).slow(7) }
                        withTimeout(10_000) { entered.await() }
                        server.callsInFlight shouldBe 1

                        val stopping = async(Dispatchers.Default) { server.stop() }
                        eventually("the server reports draining") { server.status == ServerStatus.DRAINING }
                        registry.snapshot("people") shouldBe emptyList()
                        val (status, body) =
                            raw.rawPost(
                                "raw",
                                "/_dispatch/people/instance",
                                RequestOptions { bytes("[]".toByteArray(), "application/json") },
                            ) {
                                it.status to it.text()
                            }
                        status shouldBe 503
                        body shouldContain "\"type\":\"ShuttingDown\""
                        body shouldContain "this server is shutting down; call another instance"
                        stopping.isCompleted shouldBe false
                        server.callsInFlight shouldBe 1

                        release.complete(Unit)
                        held.await() shouldBe "slept 7"
                        withTimeout(15_000) { stopping.await() }
                    }
                }
            }
            server.status shouldBe ServerStatus.STOPPED
            server.callsInFlight shouldBe 0
            registry.snapshot("people") shouldBe emptyList()
        }

        test("a registration that does not finish fails start, naming the registry and the instance, and undoes the start") {
            val blocked = CountDownLatch(1)
            val deregistered = AtomicBoolean(false)
            val stuck =
                object : ServiceRegistry {
                    // blocks its thread without suspending, as a registry client stuck on a dead connection would
                    override suspend fun register(instance: ServiceInstance) = blocked.await()

                    override suspend fun deregister(instance: ServiceInstance) = deregistered.set(true)

                    override fun toString() = "the stuck registry"
                }
            val server =
                ServiceServer {
                    host<PeopleService>(People("unregistered")).registry(stuck)
                    registrationTimeout(Duration.ofMillis(300))
                }
            try {
                val e = withTimeout(10_000) { shouldThrow<IllegalStateException> { server.start() } }
                e.message shouldContain "registering people (127.0.0.1:${server.port}) in the stuck registry"
                e.message shouldContain "registration timeout of 300 ms; is the registry reachable?"
                server.status shouldBe ServerStatus.STOPPED
                deregistered.get() shouldBe true
                server.stop()
                server.status shouldBe ServerStatus.STOPPED
            } finally {
                blocked.countDown()
            }
        }

        test("a deregistration that fails or hangs is logged; the stop goes on") {
            val registry = InMemoryRegistry()
            val failing =
                object : ServiceRegistry {
                    override suspend fun register(instance: ServiceInstance) = registry.register(instance)

                    override suspend fun deregister(instance: ServiceInstance) = awaitCancellation()
                }
            val server =
                ServiceServer {
                    host<PeopleService>(People("hanging")).registry(failing)
                    registrationTimeout(Duration.ofMillis(200))
                }
            server.start()
            withTimeout(10_000) { server.stop() }
            server.status shouldBe ServerStatus.STOPPED
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
                        body shouldContain "did not answer within 100 ms"
                    }
                    runs shouldBe 1
                }
            }
        }
    })
