package io.switchboard.e2e

import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldBeEmpty
import io.kotest.matchers.ints.shouldBeGreaterThan
import io.kotest.matchers.ints.shouldBeGreaterThanOrEqual
import io.kotest.matchers.ints.shouldBeLessThanOrEqual
import io.kotest.matchers.shouldBe
import io.kotest.matchers.shouldNotBe
import io.ktor.http.ContentType
import io.ktor.http.HttpStatusCode
import io.ktor.server.response.respondText
import io.ktor.server.routing.get
import io.switchboard.HttpStatusException
import io.switchboard.InstanceState
import io.switchboard.OutlierDetection
import io.switchboard.RequestContext
import io.switchboard.ServiceInstance
import io.switchboard.ServiceManager
import io.switchboard.balancer.LoadBalancers
import io.switchboard.spi.Interceptor
import io.switchboard.test.TestHttpServer
import kotlinx.coroutines.delay
import java.net.InetAddress
import java.net.ServerSocket
import java.time.Instant
import java.util.concurrent.ConcurrentLinkedQueue
import java.util.concurrent.atomic.AtomicBoolean
import java.util.concurrent.atomic.AtomicInteger
import kotlin.time.Duration.Companion.milliseconds

/** A server whose `GET /work` answers 500 while [failing] is set, else 200; [hits] counts the calls it got. */
private class Switchable(
    name: String,
) : AutoCloseable {
    val failing = AtomicBoolean(false)
    val hits = AtomicInteger()
    val server: TestHttpServer =
        TestHttpServer.start(name) {
            get("/work") {
                hits.incrementAndGet()
                val status = if (failing.get()) HttpStatusCode.InternalServerError else HttpStatusCode.OK
                call.respondText("""{"status":"${status.value}","server":"$name"}""", ContentType.Application.Json, status)
            }
        }

    fun instance(): ServiceInstance = server.instance("svc")

    override fun close() = server.close()
}

/** Every attempt of every call, by the port it went to. */
private class AttemptPorts : Interceptor {
    val ports = ConcurrentLinkedQueue<Int>()
    override val name: String get() = "attempt-ports"

    override suspend fun afterResponse(context: RequestContext) {
        context.attempts.forEach { ports += it.instance.port }
    }

    override suspend fun handleException(context: RequestContext) {
        context.attempts.forEach { ports += it.instance.port }
    }
}

private fun ServiceManager.stateOf(port: Int): InstanceState = instanceStates("svc").single { it.instance.port == port }

/** Makes calls (their failures ignored), a few milliseconds apart, until [condition] holds after one; fails after 10 s. */
private suspend fun callUntil(
    manager: ServiceManager,
    what: String,
    condition: () -> Boolean,
) {
    val deadline = System.nanoTime() + 10_000_000_000L
    do {
        check(System.nanoTime() < deadline) { "still not true after 10 s of calls: $what" }
        runCatching { manager.get<Hello>("svc", "/work") }
        delay(2)
    } while (!condition())
}

private fun refusedPort(): Int = ServerSocket(0, 1, InetAddress.getLoopbackAddress()).use { it.localPort }

/** Round robin in every manager here: the tests count each instance's share of the calls, which the default balancer draws at random. */
class OutlierEjectionTest :
    FunSpec({
        val servers = List(3) { Switchable("ej-$it") }
        afterSpec { servers.forEach(Switchable::close) }
        beforeTest {
            servers.forEach {
                it.failing.set(false)
                it.hits.set(0)
            }
        }
        val (sick, a, b) = servers

        test("a failing instance gets at most consecutiveFailures calls, then none while ejected (on by default)") {
            sick.failing.set(true)
            ServiceManager {
                staticInstances("svc", servers.map { it.instance() }).loadBalancer(LoadBalancers.ROUND_ROBIN)
            }.use { manager ->
                var failed = 0
                repeat(90) {
                    // a 500 is not retried: every call that met the sick instance fails, so each of its hits is one failed call
                    try {
                        manager.get<Hello>("svc", "/work")
                    } catch (e: HttpStatusException) {
                        e.status shouldBe 500
                        failed++
                    }
                }
                sick.hits.get() shouldBeLessThanOrEqual 5
                failed shouldBe sick.hits.get()
                (a.hits.get() + b.hits.get()) shouldBe 90 - failed
                val state = manager.stateOf(sick.server.port)
                state.ejected shouldBe true
                state.timesEjected shouldBe 1
                state.consecutiveFailures shouldBe 5
                // 30 s by default, counted from the fifth failure
                state.ejectedUntil!!.isAfter(Instant.now().plusSeconds(20)) shouldBe true
                manager.stateOf(a.server.port).ejected shouldBe false
                manager.stateOf(a.server.port).latencyEwma shouldNotBe null
            }
        }

        test("an ejected instance that recovers is probed once its ejection ends and gets calls again") {
            sick.failing.set(true)
            ServiceManager {
                staticInstances("svc", servers.map { it.instance() }).loadBalancer(LoadBalancers.ROUND_ROBIN)
                outlierDetection(
                    OutlierDetection
                        .builder()
                        .consecutiveFailures(3)
                        .baseEjection(300.milliseconds)
                        .build(),
                )
            }.use { manager ->
                callUntil(manager, "the sick instance is ejected") { manager.stateOf(sick.server.port).ejected }
                sick.hits.get() shouldBe 3
                sick.failing.set(false)
                // the first call after 300 ms is its probe; it succeeds and the instance is back
                callUntil(manager, "the recovered instance is back in rotation") { !manager.stateOf(sick.server.port).ejected }
                val before = sick.hits.get()
                repeat(30) { manager.get<Hello>("svc", "/work").status shouldBe "200" }
                // round robin again: about a third of the calls
                (sick.hits.get() - before) shouldBeGreaterThanOrEqual 8
                val state = manager.stateOf(sick.server.port)
                state.consecutiveFailures shouldBe 0
                state.ejectedUntil shouldBe null
            }
        }

        test("when every instance fails, at most the share is ejected and the service still gets every call") {
            servers.forEach { it.failing.set(true) }
            ServiceManager {
                staticInstances("svc", servers.map { it.instance() }).loadBalancer(LoadBalancers.ROUND_ROBIN)
                outlierDetection(OutlierDetection.builder().consecutiveFailures(2).build())
            }.use { manager ->
                repeat(60) { shouldThrow<HttpStatusException> { manager.get<Hello>("svc", "/work") }.status shouldBe 500 }
                // each call reached an instance and its 500 reached the caller; no call was refused for want of an instance
                servers.sumOf { it.hits.get() } shouldBe 60
                val ejected = manager.instanceStates("svc").filter { it.ejected }
                // half of three, rounded down: one
                ejected.size shouldBe 1
                servers.count { it.hits.get() > 20 } shouldBe 2
            }
        }

        test("a refused connection ejects the instance at once; the call goes on to another one") {
            val dead = refusedPort()
            val recorder = AttemptPorts()
            ServiceManager {
                staticInstances("svc", ServiceInstance("svc", "127.0.0.1", dead), a.instance(), b.instance())
                addInterceptor(recorder)
            }.use { manager ->
                repeat(30) { manager.get<Hello>("svc", "/work").status shouldBe "200" }
                recorder.ports.count { it == dead } shouldBe 1
                val state = manager.stateOf(dead)
                state.ejected shouldBe true
                state.timesEjected shouldBe 1
                state.consecutiveFailures shouldBe 1
                (a.hits.get() + b.hits.get()) shouldBe 30
            }
        }

        test("with OutlierDetection.DISABLED a failing instance keeps its share of calls") {
            sick.failing.set(true)
            ServiceManager {
                staticInstances("svc", servers.map { it.instance() }).loadBalancer(LoadBalancers.ROUND_ROBIN)
                outlierDetection(OutlierDetection.DISABLED)
            }.use { manager ->
                repeat(30) { runCatching { manager.get<Hello>("svc", "/work") } }
                sick.hits.get() shouldBe 10
                manager.instanceStates("svc").filter { it.ejected }.shouldBeEmpty()
                manager.stateOf(sick.server.port).consecutiveFailures shouldBe 10
            }
        }

        test("a service's own setting replaces the manager's") {
            sick.failing.set(true)
            ServiceManager {
                staticInstances("svc", servers.map { it.instance() }).loadBalancer(LoadBalancers.ROUND_ROBIN)
                outlierDetection(OutlierDetection.DISABLED)
                service("svc") { outlierDetection(OutlierDetection.builder().consecutiveFailures(1).build()) }
            }.use { manager ->
                repeat(30) { runCatching { manager.get<Hello>("svc", "/work") } }
                sick.hits.get() shouldBe 1
                manager.stateOf(sick.server.port).ejected shouldBe true
                manager.instanceStates("unknown").shouldBeEmpty()
                manager.stateOf(a.server.port).inFlight shouldBe 0
                a.hits.get() shouldBeGreaterThan 10
            }
        }
    })
