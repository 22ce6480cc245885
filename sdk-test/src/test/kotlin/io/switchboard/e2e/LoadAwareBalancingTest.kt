package io.switchboard.e2e

import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.doubles.shouldBeLessThan
import io.kotest.matchers.ints.shouldBeGreaterThan
import io.kotest.matchers.longs.shouldBeGreaterThan
import io.kotest.matchers.shouldBe
import io.ktor.http.ContentType
import io.ktor.server.response.respondText
import io.ktor.server.routing.get
import io.switchboard.OutlierDetection
import io.switchboard.RetryPolicy
import io.switchboard.ServiceManager
import io.switchboard.balancer.LoadBalancers
import io.switchboard.test.TestHttpServer
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.delay
import kotlinx.coroutines.withTimeout
import java.time.Duration
import java.util.concurrent.atomic.AtomicInteger
import kotlin.time.Duration.Companion.minutes
import kotlin.time.Duration.Companion.seconds

/** A server whose `GET /held` answers after [delayMillis]. */
private fun answering(
    name: String,
    delayMillis: Long = 0,
): TestHttpServer =
    TestHttpServer.start(name) {
        get("/held") {
            if (delayMillis > 0) delay(delayMillis)
            call.respondText("""{"status":"OK","server":"$name"}""", ContentType.Application.Json)
        }
    }

/** least_requests and peak_ewma steer calls by the manager's own per-instance statistics, counted at the servers. */
class LoadAwareBalancingTest :
    FunSpec({
        // null: the manager's default (least_requests), so that the defaults are what is shown to cope
        for (strategy in listOf(null, LoadBalancers.PEAK_EWMA)) {
            test(
                "${strategy ?: "the default balancer"}: a hung instance among three gets almost no calls after the first timeouts, and calls keep completing",
            ) {
                HeldServer("hung-${strategy ?: "default"}").use { hung ->
                    val fine = List(2) { answering("fine-${strategy ?: "default"}-$it") }
                    val all = fine + hung.server
                    try {
                        ServiceManager {
                            staticInstances("svc", listOf(fine[0].instance("svc"), hung.server.instance("svc"), fine[1].instance("svc")))
                            strategy?.let { loadBalancer(it) }
                            requestTimeout(10.seconds)
                            retry(RetryPolicy.builder().attemptTimeout(Duration.ofMillis(300)).build())
                            // the balancer alone must keep calls off the hung instance
                            outlierDetection(OutlierDetection.DISABLED)
                        }.use { manager ->
                            val completed = AtomicInteger()
                            val failed = AtomicInteger()
                            val total = 2_000
                            val warmUp = 200
                            var atWarmUp = IntArray(3)
                            withTimeout(2.minutes) {
                                coroutineScope {
                                    (1..8)
                                        .map {
                                            async {
                                                while (completed.get() + failed.get() < total) {
                                                    try {
                                                        manager.get<Hello>("svc", "/held")
                                                        if (completed.incrementAndGet() == warmUp) {
                                                            atWarmUp = IntArray(3) { all[it].requestCount }
                                                        }
                                                    } catch (e: Exception) {
                                                        failed.incrementAndGet()
                                                    }
                                                }
                                            }
                                        }.awaitAll()
                                }
                            }
                            failed.get() shouldBe 0
                            val after = IntArray(3) { all[it].requestCount - atWarmUp[it] }
                            val share = after[2].toDouble() / after.sum()
                            share shouldBeLessThan 0.05
                            after[0] shouldBeGreaterThan 300
                            after[1] shouldBeGreaterThan 300
                        }
                    } finally {
                        fine.forEach(TestHttpServer::close)
                    }
                }
            }
        }

        test("peak_ewma prefers a fast instance over a slow one") {
            val fast = answering("fast")
            val slow = answering("slow", delayMillis = 50)
            try {
                // the first calls of a JVM are slow everywhere: warm the client and servers up with another manager
                ServiceManager { staticInstances("svc", fast.instance("svc"), slow.instance("svc")) }.use { warm ->
                    repeat(20) { warm.get<Hello>("svc", "/held") }
                }
                val before = fast.requestCount to slow.requestCount
                ServiceManager {
                    staticInstances("svc", fast.instance("svc"), slow.instance("svc"))
                    loadBalancer(LoadBalancers.PEAK_EWMA)
                }.use { manager ->
                    repeat(300) { manager.get<Hello>("svc", "/held") }
                    val toSlow = slow.requestCount - before.second
                    (fast.requestCount - before.first + toSlow) shouldBe 300
                    // the slow instance gets its first calls (it has no latency yet), then hardly any
                    toSlow.toDouble() / 300 shouldBeLessThan 0.1
                    val slowState = manager.instanceStates("svc").single { it.instance.port == slow.port }
                    slowState.latencyEwma!!.toMillis() shouldBeGreaterThan 30
                }
            } finally {
                fast.close()
                slow.close()
            }
        }
    })
