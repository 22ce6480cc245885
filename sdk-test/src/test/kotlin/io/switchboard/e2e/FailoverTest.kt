package io.switchboard.e2e

import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldHaveSize
import io.kotest.matchers.ints.shouldBeGreaterThan
import io.kotest.matchers.ints.shouldBeGreaterThanOrEqual
import io.kotest.matchers.ints.shouldBeLessThanOrEqual
import io.kotest.matchers.shouldBe
import io.kotest.matchers.types.shouldBeInstanceOf
import io.ktor.http.ContentType
import io.ktor.http.HttpStatusCode
import io.ktor.server.response.respondText
import io.ktor.server.routing.get
import io.ktor.server.routing.post
import io.switchboard.HttpStatusException
import io.switchboard.RequestOptions
import io.switchboard.RetryPolicy
import io.switchboard.ServiceCallException
import io.switchboard.ServiceInstance
import io.switchboard.ServiceManager
import io.switchboard.ServiceTimeoutException
import io.switchboard.TimeoutKind
import io.switchboard.balancer.LoadBalancers
import io.switchboard.discovery.InMemoryRegistry
import io.switchboard.test.TestHttpServer
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.withTimeout
import java.net.InetAddress
import java.net.ServerSocket
import java.time.Duration
import java.util.concurrent.atomic.AtomicInteger
import kotlin.time.Duration.Companion.minutes
import kotlin.time.Duration.Companion.seconds

/** A port nothing listens on: connections to it are refused. */
private fun refusedPort(): Int = ServerSocket(0, 1, InetAddress.getLoopbackAddress()).use { it.localPort }

/** A server whose `/flaky` answers [status] (GET and POST) and counts the calls. */
private fun flaky(
    name: String,
    status: HttpStatusCode,
    hits: AtomicInteger,
): TestHttpServer =
    TestHttpServer.start(name) {
        get("/flaky") {
            hits.incrementAndGet()
            call.respondText("{\"status\":\"${status.value}\",\"server\":\"$name\"}", status = status)
        }
        post("/flaky") {
            hits.incrementAndGet()
            call.respondText("{\"status\":\"${status.value}\",\"server\":\"$name\"}", status = status)
        }
    }

class FailoverTest :
    FunSpec({
        test("an instance that goes away under load costs no call: its calls are retried on the others") {
            val web = servers(3, "fo")
            val registry = InMemoryRegistry()
            web.forEach { registry.add(it.instance("svc")) }
            val recorder = CallRecorder()
            ServiceManager {
                discovery(registry)
                requestTimeout(10.seconds)
                addInterceptor(recorder)
            }.use { manager ->
                val completed = AtomicInteger()
                val failed = AtomicInteger()
                val total = 3_000
                var closedAt = -1
                withTimeout(2.minutes) {
                    coroutineScope {
                        (1..16)
                            .map {
                                async {
                                    while (completed.get() + failed.get() < total) {
                                        try {
                                            manager.get<Hello>("svc", "/hello")
                                            val done = completed.incrementAndGet()
                                            // the instance dies a third of the way in; the registry learns of it 300 calls later
                                            if (done == total / 3) {
                                                closedAt = done
                                                web[1].close()
                                            }
                                            if (done == total / 3 + 300) registry.remove(web[1].instance("svc"))
                                        } catch (e: Exception) {
                                            failed.incrementAndGet()
                                        }
                                    }
                                }
                            }.awaitAll()
                    }
                }
                failed.get() shouldBe 0
                closedAt shouldBe total / 3
                // calls did meet the dead instance, and were answered by another one
                val retried = recorder.calls.filter { it.attempts.size > 1 }
                retried.size shouldBeGreaterThan 0
                retried.forEach {
                    it.attempts
                        .first()
                        .instance.port shouldBe web[1].port
                }
            }
            web.forEach(TestHttpServer::close)
        }

        test("a refused connection is retried elsewhere for any method, a POST included: it never reached the server") {
            TestHttpServer.start("alive").use { alive ->
                val recorder = CallRecorder()
                ServiceManager {
                    staticInstances(
                        "svc",
                        ServiceInstance("svc", "127.0.0.1", refusedPort()),
                        alive.instance("svc"),
                    )
                    loadBalancer(LoadBalancers.ROUND_ROBIN) // every other call meets the refused instance first
                    addInterceptor(recorder)
                }.use { manager ->
                    repeat(4) { manager.post<Echo>("svc", "/echo", RequestOptions { text("hi") }).server shouldBe "alive" }
                    val retried = recorder.calls.filter { it.attempts.size == 2 }
                    retried.size shouldBeGreaterThanOrEqual 1
                    retried
                        .first()
                        .attempts[0]
                        .failure
                        .shouldBeInstanceOf<ServiceCallException>()
                    retried.first().attempts[1].status shouldBe 200
                }
            }
        }

        test("a 503 is retried for a GET and an idempotent POST, not for a plain POST") {
            val hits = AtomicInteger()
            val down = flaky("down", HttpStatusCode.ServiceUnavailable, hits)
            val up = flaky("up", HttpStatusCode.OK, AtomicInteger())
            ServiceManager {
                staticInstances("svc", down.instance("svc"), up.instance("svc"))
                loadBalancer(LoadBalancers.ROUND_ROBIN)
            }.use { manager ->
                repeat(4) { manager.get<Hello>("svc", "/flaky").server shouldBe "up" }
                repeat(4) {
                    manager.post<Hello>("svc", "/flaky", RequestOptions { idempotent(true) }).server shouldBe "up"
                }
                hits.set(0)
                val outcomes = List(4) { runCatching { manager.post<Hello>("svc", "/flaky") } }
                // round robin sends half of the POSTs to the failing instance, and those fail: each was run there once
                outcomes.count { it.exceptionOrNull() is HttpStatusException } shouldBe hits.get()
                hits.get() shouldBeGreaterThan 0
            }
            down.close()
            up.close()
        }

        test("when every instance fails, retries stay within the budget and the context lists each attempt") {
            val hits = AtomicInteger()
            val web = List(3) { flaky("down-$it", HttpStatusCode.BadGateway, hits) }
            val recorder = CallRecorder()
            ServiceManager {
                staticInstances("svc", web.map { it.instance("svc") })
                addInterceptor(recorder)
            }.use { manager ->
                val calls = 300
                val started = System.nanoTime()
                repeat(calls) { shouldThrow<HttpStatusException> { manager.get<Hello>("svc", "/flaky") }.status shouldBe 502 }
                val seconds = (System.nanoTime() - started) / 1e9
                // at most 20% of the calls, plus 10 a second, are retries: never the 3× a retry storm would send
                hits.get() shouldBeLessThanOrEqual (calls * 1.2 + 10 * (seconds + 1)).toInt()
                hits.get() shouldBeGreaterThanOrEqual calls
                val first = recorder.calls.first()
                first.attempts shouldHaveSize 3
                first.attempts.map { it.instance.port }.toSet() shouldHaveSize 3
                first.attempts.all { it.status == 502 } shouldBe true
            }
            web.forEach(TestHttpServer::close)
        }

        test("a hung instance costs an idempotent call one attempt timeout, not the call: it goes on elsewhere") {
            HeldServer("hung").use { hung ->
                TestHttpServer
                    .start("fine") {
                        get("/held") { call.respondText("{\"status\":\"OK\",\"server\":\"fine\"}", ContentType.Application.Json) }
                    }.use { fine ->
                        val recorder = CallRecorder()
                        ServiceManager {
                            staticInstances("svc", hung.server.instance("svc"), fine.instance("svc"))
                            loadBalancer(LoadBalancers.ROUND_ROBIN)
                            requestTimeout(10.seconds)
                            retry(RetryPolicy.builder().attemptTimeout(Duration.ofSeconds(1)).build())
                            addInterceptor(recorder)
                        }.use { manager ->
                            repeat(6) { manager.get<Hello>("svc", "/held").server shouldBe "fine" }
                            val retried = recorder.calls.filter { it.attempts.size == 2 }
                            // round robin sends every other call to the hung instance first
                            retried.size shouldBeGreaterThanOrEqual 1
                            retried.forEach {
                                it.attempts[0].instance.port shouldBe hung.server.port
                                val first = it.attempts[0].failure.shouldBeInstanceOf<ServiceTimeoutException>()
                                first.kind shouldBe TimeoutKind.ATTEMPT
                                first.timeout shouldBe Duration.ofSeconds(1)
                            }
                            hung.answeredCount shouldBe 0
                        }
                    }
            }
        }
    })
