package io.switchboard.e2e

import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldHaveSize
import io.kotest.matchers.ints.shouldBeGreaterThanOrEqual
import io.kotest.matchers.longs.shouldBeLessThan
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.ktor.http.HttpStatusCode
import io.ktor.server.response.respondText
import io.ktor.server.routing.get
import io.ktor.server.routing.post
import io.switchboard.HttpStatusException
import io.switchboard.RetryPolicy
import io.switchboard.ServiceManager
import io.switchboard.spi.LoadBalancer
import io.switchboard.test.TestHttpServer
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.delay
import java.time.Duration
import java.util.concurrent.atomic.AtomicInteger

/** A server answering `GET /slow` and `POST /slow` after [delayMillis]. */
private fun answeringAfter(
    name: String,
    delayMillis: Long,
    hits: AtomicInteger = AtomicInteger(),
): TestHttpServer =
    TestHttpServer.start(name) {
        get("/slow") {
            hits.incrementAndGet()
            delay(delayMillis)
            call.respondText("{\"status\":\"OK\",\"server\":\"$name\"}")
        }
        post("/slow") {
            hits.incrementAndGet()
            delay(delayMillis)
            call.respondText("{\"status\":\"OK\",\"server\":\"$name\"}")
        }
        get("/busy") { call.respondText("{\"status\":\"busy\",\"server\":\"$name\"}", status = HttpStatusCode.ServiceUnavailable) }
    }

class HedgingTest :
    FunSpec({
        val hedged = RetryPolicy.builder().hedging(Duration.ofMillis(100)).build()

        test("a slow first attempt is hedged on another instance after the delay; the first answer wins, the other is cancelled") {
            val slow = answeringAfter("slow", 10_000)
            val fast = answeringAfter("fast", 0)
            // a cold server's first answer can take a while on a busy machine: warm the fast one up
            ServiceManager { staticInstances("warm", fast.instance("warm")) }.use { it.get<Hello>("warm", "/slow") }
            val ended = CallRecorder()
            ServiceManager {
                staticInstances("svc", slow.instance("svc"), fast.instance("svc"))
                // every call starts on the slow instance
                loadBalancer { LoadBalancer { instances, _ -> instances.first { it.port == slow.port } } }
                retry(hedged)
                addInterceptor(ended)
            }.use { manager ->
                repeat(3) {
                    val started = System.nanoTime()
                    manager.get<Hello>("svc", "/slow").server shouldBe "fast"
                    // far from the slow instance's 10 s
                    (System.nanoTime() - started) / 1_000_000 shouldBeLessThan 5_000L
                }
                ended.calls shouldHaveSize 3
                ended.calls.forEach { call ->
                    call.selectedInstance!!.port shouldBe fast.port
                    call.attempts.map { it.instance.port } shouldBe listOf(slow.port, fast.port)
                    call.attempts[0].failure!!.message shouldContain "another attempt answered first"
                    call.attempts[1].status shouldBe 200
                }
            }
            slow.close()
            fast.close()
        }

        test("a plain POST is never hedged: it waits for its one instance") {
            val hits = AtomicInteger()
            val slow = answeringAfter("slow-post", 600, hits)
            val fast = answeringAfter("fast-post", 0, hits)
            ServiceManager {
                staticInstances("svc", slow.instance("svc"), fast.instance("svc"))
                loadBalancer { LoadBalancer { instances, _ -> instances.first { it.port == slow.port } } }
                retry(hedged)
            }.use { manager ->
                manager.post<Hello>("svc", "/slow").server shouldBe "slow-post"
                hits.get() shouldBe 1
            }
            slow.close()
            fast.close()
        }

        test("hedged calls whose every instance answers a retryable status end with that status after one attempt per instance") {
            val web = List(2) { answeringAfter("busy-$it", 0) }
            val ended = CallRecorder()
            ServiceManager {
                staticInstances("svc", web.map { it.instance("svc") })
                retry(hedged)
                addInterceptor(ended)
            }.use { manager ->
                shouldThrow<HttpStatusException> { manager.get<Hello>("svc", "/busy") }.status shouldBe 503
                val call = ended.calls.single()
                call.attempts.map { it.instance.port }.toSet() shouldHaveSize 2
                call.attempts.map { it.status } shouldBe listOf(503, 503)
            }
            web.forEach(TestHttpServer::close)
        }

        test("under load, hedges stay within the retry budget") {
            val slowHits = AtomicInteger()
            val fastHits = AtomicInteger()
            val slow = answeringAfter("slow-load", 300, slowHits)
            val fast = answeringAfter("fast-load", 300, fastHits)
            ServiceManager {
                staticInstances("svc", slow.instance("svc"), fast.instance("svc"))
                retry(
                    RetryPolicy
                        .builder()
                        .hedging(Duration.ofMillis(50))
                        .budget(0.1, 0)
                        .build(),
                )
            }.use { manager ->
                // every attempt outlasts the hedging delay, so every call would hedge without a budget
                val calls = 40
                coroutineScope {
                    List(calls) { async { manager.get<Hello>("svc", "/slow") } }.awaitAll()
                }
                val attempts = slowHits.get() + fastHits.get()
                attempts shouldBeGreaterThanOrEqual calls
                // 10% of calls (+1 for the rounding of the first second), never one hedge per call
                (attempts - calls).toLong() shouldBeLessThan (calls / 10 + 2).toLong()
            }
            slow.close()
            fast.close()
        }
    })
