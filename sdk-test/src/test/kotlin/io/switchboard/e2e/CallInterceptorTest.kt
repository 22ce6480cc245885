package io.switchboard.e2e

import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldContainExactly
import io.kotest.matchers.longs.shouldBeGreaterThanOrEqual
import io.kotest.matchers.longs.shouldBeLessThan
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.ktor.http.HttpStatusCode
import io.ktor.server.response.header
import io.ktor.server.response.respondText
import io.ktor.server.routing.get
import io.switchboard.HttpStatusException
import io.switchboard.RequestOptions
import io.switchboard.ResponseInfo
import io.switchboard.RetryPolicy
import io.switchboard.ServiceCallException
import io.switchboard.ServiceManager
import io.switchboard.balancer.LoadBalancers
import io.switchboard.spi.AttemptChain
import io.switchboard.spi.CallChain
import io.switchboard.spi.CallInterceptor
import io.switchboard.spi.LoadBalancer
import io.switchboard.test.TestHttpServer
import java.time.Duration
import java.util.concurrent.ConcurrentLinkedQueue
import java.util.concurrent.CopyOnWriteArrayList
import java.util.concurrent.atomic.AtomicInteger

/** A server whose `/flaky` answers [status] with [headers], counting calls and noting when each arrived. */
private fun answering(
    name: String,
    status: HttpStatusCode,
    arrivals: ConcurrentLinkedQueue<Pair<String, Long>>,
    vararg headers: Pair<String, String>,
): TestHttpServer =
    TestHttpServer.start(name) {
        get("/flaky") {
            arrivals += name to System.nanoTime()
            headers.forEach { (k, v) -> call.response.header(k, v) }
            call.respondText("{\"status\":\"${status.value}\",\"server\":\"$name\"}", status = status)
        }
    }

class CallInterceptorTest :
    FunSpec({
        test("call interceptors wrap the call and each attempt, outermost first; an attempt's headers go with that attempt") {
            val down =
                TestHttpServer.start("down") {
                    get("/echo/attempts") { call.respondText("busy", status = HttpStatusCode.ServiceUnavailable) }
                }
            val up = TestHttpServer.start("up")
            val events = CopyOnWriteArrayList<String>()

            class Named(
                override val name: String,
                override val order: Int,
            ) : CallInterceptor {
                override suspend fun interceptCall(chain: CallChain): Any? {
                    events += "$name call before"
                    val result = chain.proceed()
                    events += "$name call after ${(result as Echo).server}"
                    return result
                }

                override suspend fun interceptAttempt(chain: AttemptChain): ResponseInfo {
                    chain.context.headers["X-Attempt-$name"] = chain.attempt.toString()
                    val info = chain.proceed()
                    events += "$name attempt ${chain.attempt} ${chain.instance.port} ${info.status}"
                    return info
                }
            }
            ServiceManager {
                // the failing instance first: a 503 and a retry on the other, both through the attempt chain
                staticInstances("svc", down.instance("svc"), up.instance("svc"))
                loadBalancer { LoadBalancer { instances, _ -> instances.first { it.port == down.port } } }
                addCallInterceptor(Named("inner", 2))
                addCallInterceptor(Named("outer", 1))
            }.use { manager ->
                val echo = manager.get<Echo>("svc", "/echo/attempts")
                echo.server shouldBe "up"
                echo.headers["x-attempt-outer"] shouldBe "2"
                echo.headers["x-attempt-inner"] shouldBe "2"
                events shouldContainExactly
                    listOf(
                        "outer call before",
                        "inner call before",
                        "inner attempt 1 ${down.port} 503",
                        "outer attempt 1 ${down.port} 503",
                        "inner attempt 2 ${up.port} 200",
                        "outer attempt 2 ${up.port} 200",
                        "inner call after up",
                        "outer call after up",
                    )
            }
            down.close()
            up.close()
        }

        test("a call interceptor may answer without a request, or run the call again") {
            val hits = AtomicInteger()
            TestHttpServer
                .start("counting") {
                    get("/count") {
                        val n = hits.incrementAndGet()
                        if (n == 1) {
                            call.respondText("{\"status\":\"busy\",\"server\":\"counting\"}", status = HttpStatusCode.Conflict)
                        } else {
                            call.respondText("{\"status\":\"OK\",\"server\":\"counting\"}")
                        }
                    }
                }.use { server ->
                    val cached = Hello("cached", "nowhere")
                    val cache =
                        object : CallInterceptor {
                            override val name = "cache"

                            override suspend fun interceptCall(chain: CallChain): Any? =
                                if (chain.context.path == "/cached") cached else chain.proceed()
                        }
                    val againOnConflict =
                        object : CallInterceptor {
                            override val name = "again-on-409"

                            override suspend fun interceptCall(chain: CallChain): Any? =
                                try {
                                    chain.proceed()
                                } catch (e: HttpStatusException) {
                                    if (e.status != 409) throw e
                                    chain.proceed()
                                }
                        }
                    ServiceManager {
                        staticInstances("svc", server.instance("svc"))
                        addCallInterceptor(cache)
                        addCallInterceptor(againOnConflict)
                    }.use { manager ->
                        manager.get<Hello>("svc", "/cached") shouldBe cached
                        hits.get() shouldBe 0
                        manager.get<Hello>("svc", "/count").status shouldBe "OK"
                        hits.get() shouldBe 2
                    }
                }
        }

        test("an attempt interceptor that never proceeds fails the call with an error that says so") {
            TestHttpServer.start("never").use { server ->
                ServiceManager {
                    staticInstances("svc", server.instance("svc"))
                    addCallInterceptor(
                        object : CallInterceptor {
                            override val name = "swallower"

                            override suspend fun interceptAttempt(chain: AttemptChain): ResponseInfo = ResponseInfo(200, emptyMap())
                        },
                    )
                }.use { manager ->
                    val failure = shouldThrow<ServiceCallException> { manager.get<Echo>("svc", "/echo") }
                    failure.message shouldContain "returned without proceeding"
                    failure.message shouldContain "swallower"
                }
            }
        }

        test("a server's pushback steers the retry: -1 stops it, a number of milliseconds delays it") {
            val arrivals = ConcurrentLinkedQueue<Pair<String, Long>>()
            val refusing = answering("refusing", HttpStatusCode.ServiceUnavailable, arrivals, RetryPolicy.PUSHBACK_HEADER to "-1")
            val pausing = answering("pausing", HttpStatusCode.ServiceUnavailable, arrivals, RetryPolicy.PUSHBACK_HEADER to "300")
            val fine = answering("fine", HttpStatusCode.OK, arrivals)
            ServiceManager {
                staticInstances("a", refusing.instance("a"), fine.instance("a")).loadBalancer(LoadBalancers.ROUND_ROBIN)
            }.use { manager ->
                // round robin starts on `refusing` for one of the two calls: that one fails without a retry
                val outcomes = List(2) { runCatching { manager.get<Hello>("a", "/flaky") } }
                outcomes.count { it.isFailure } shouldBe 1
                arrivals.count { it.first == "refusing" } shouldBe 1
                arrivals.count { it.first == "fine" } shouldBe 1
            }
            arrivals.clear()
            ServiceManager {
                staticInstances("b", pausing.instance("b"), fine.instance("b")).loadBalancer(LoadBalancers.ROUND_ROBIN)
            }.use { manager ->
                List(2) { manager.get<Hello>("b", "/flaky").server shouldBe "fine" }
                val paused = arrivals.first { it.first == "pausing" }.second
                val after = arrivals.filter { it.first == "fine" }.maxOf { it.second }
                (after - paused) / 1_000_000 shouldBeGreaterThanOrEqual 280L
            }
            listOf(refusing, pausing, fine).forEach(TestHttpServer::close)
        }

        test("the first retry goes at once, the next after the backoff") {
            val arrivals = ConcurrentLinkedQueue<Pair<String, Long>>()
            val web = List(3) { answering("bad-$it", HttpStatusCode.BadGateway, arrivals) }
            ServiceManager {
                staticInstances("svc", web.map { it.instance("svc") })
                retry(RetryPolicy.builder().backoff(Duration.ofMillis(600), Duration.ofSeconds(2)).build())
            }.use { manager ->
                shouldThrow<HttpStatusException> { manager.get<Hello>("svc", "/flaky") }
                val times = arrivals.map { it.second }.sorted()
                times.size shouldBe 3
                // drawn between half and all of 600 ms; the first retry does not wait
                (times[2] - times[1]) / 1_000_000 shouldBeGreaterThanOrEqual 290L
                (times[1] - times[0]) / 1_000_000 shouldBeLessThan 290L
            }
            web.forEach(TestHttpServer::close)
        }
    })
