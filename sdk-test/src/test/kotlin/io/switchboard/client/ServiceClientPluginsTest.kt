package io.switchboard.client

import ch.qos.logback.classic.Logger
import ch.qos.logback.classic.spi.ILoggingEvent
import ch.qos.logback.core.read.ListAppender
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldHaveSize
import io.kotest.matchers.ints.shouldBeInRange
import io.kotest.matchers.ints.shouldBeLessThanOrEqual
import io.kotest.matchers.nulls.shouldNotBeNull
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.kotest.matchers.string.shouldNotContain
import io.switchboard.e2e.Echo
import io.switchboard.test.TestHttpServer
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.coroutineScope
import org.slf4j.LoggerFactory
import java.time.Duration

class ServiceClientPluginsTest :
    FunSpec({
        val server = TestHttpServer.start("plugins")
        afterSpec { server.close() }

        val spec =
            ClientSpec {
                baseUrl(server.baseUrl)
                endpoint("hello", "GET", "/hello")
                endpoint("echo", "POST", "/echo")
                endpoint("slow", "GET", "/delay/{millis}")
            }

        test("a pool under 200 concurrent calls never has more than its limit in flight at the server") {
            TestHttpServer.start("pool").use { target ->
                val poolSpec = ClientSpec { baseUrl(target.baseUrl).endpoint("slow", "GET", "/delay/{millis}") }
                val pool = PoolPlugin(maxConcurrent = 5)
                ServiceClient(poolSpec) { plugin(pool) }.use { client ->
                    val responses =
                        coroutineScope {
                            (1..200).map { async { client.call("slow", Params { path("millis", 20) }) } }.awaitAll()
                        }
                    responses.count { it.status == 200 } shouldBe 200
                    target.maxConcurrentRequests shouldBe 5
                    responses.maxOf { it.blockedByPool!! } shouldNotBe Duration.ZERO
                }
            }
        }

        test("the pool refuses calls beyond its hard limit of pending ones, and gives up on ones that wait too long") {
            ServiceClient(spec) { plugin(PoolPlugin(maxConcurrent = 2, maxPending = 3)) }.use { client ->
                val outcomes =
                    coroutineScope {
                        (1..10).map { async { runCatching { client.call("slow", Params { path("millis", 400) }) } } }.awaitAll()
                    }
                outcomes.count { it.isSuccess } shouldBe 5
                val refused = outcomes.mapNotNull { it.exceptionOrNull() }
                refused shouldHaveSize 5
                refused.forEach { (it as TooManyPendingException).limit shouldBe 3 }
                refused.first().message shouldContain "3 calls are already waiting for the pool (its hard limit)"
            }
            ServiceClient(spec) { plugin(PoolPlugin(maxConcurrent = 1, pendingTimeout = Duration.ofMillis(100))) }.use { client ->
                val outcomes =
                    coroutineScope {
                        (1..2).map { async { runCatching { client.call("slow", Params { path("millis", 500) }) } } }.awaitAll()
                    }
                outcomes.count { it.isSuccess } shouldBe 1
                (outcomes.first { it.isFailure }.exceptionOrNull() as TooLongPendingException).timeout shouldBe Duration.ofMillis(100)
            }
        }

        test("a rate limit of 10 per second lets 30 calls through in 3 seconds, within 10%") {
            ServiceClient(spec) { plugin(RateLimitPlugin(10, Duration.ofSeconds(1))) }.use { client ->
                val started = System.nanoTime()
                val finished =
                    coroutineScope {
                        (1..45)
                            .map {
                                async {
                                    client.call("hello")
                                    (System.nanoTime() - started) / 1_000_000
                                }
                            }.awaitAll()
                    }
                finished.count { it < 3_000 } shouldBeInRange 27..33
                finished.max().toInt() shouldBeInRange 4_000..5_500
            }
        }

        test("tracking tokens match each request to its response") {
            ServiceClient(spec) { plugin(TrackingTokenPlugin("X-Request-Token")) }.use { client ->
                val responses = List(5) { client.call("echo") }
                responses.forEach { it.trackingToken.shouldNotBeNull() shouldBe it.data<Echo>().headers["x-request-token"] }
                responses.map { it.trackingToken }.toSet() shouldHaveSize 5
                val mine = client.call("echo", Params { header("X-Request-Token", "mine-1") })
                mine.trackingToken shouldBe "mine-1"
            }
        }

        test("default headers, query parameters and timeout plugins apply unless a level sets its own; elapsed is recorded") {
            ServiceClient(spec) {
                plugin(DefaultHeadersPlugin(mapOf("X-Default" to "d", "X-Level" to "plugin")))
                plugin(QueryParamsPlugin(mapOf("lang" to "en")))
                plugin(TimeoutPlugin(Duration.ofMillis(150)))
                plugin(ElapsedPlugin())
            }.use { client ->
                val echo = client.call("echo", Params { header("X-Level", "call") })
                echo.data<Echo>().headers["x-default"] shouldBe "d"
                echo.data<Echo>().headers["x-level"] shouldBe "call"
                echo.data<Echo>().query["lang"] shouldBe listOf("en")
                (echo.attributes[ElapsedPlugin.ATTRIBUTE] as Duration) shouldBe echo.elapsed
                runCatching { client.call("slow", Params { path("millis", 1000) }) }.exceptionOrNull()!!.message shouldContain "150 ms"
            }
        }

        test("the request and response loggers never print a secret") {
            val appender = ListAppender<ILoggingEvent>().apply { start() }
            val logger = (LoggerFactory.getLogger("test.client") as Logger).apply { addAppender(appender) }
            ServiceClient(spec) {
                plugin(TrackingTokenPlugin())
                plugin(RequestLoggerPlugin(logger))
                plugin(ResponseLoggerPlugin(logger))
            }.use { client ->
                client.call(
                    "echo",
                    Params {
                        header("Authorization", "Bearer s3cr3t-header")
                        query("api_key", "s3cr3t-query")
                        payload(NewUser("ada", "s3cr3t-body"))
                    },
                )
            }
            val lines = appender.list.map { it.formattedMessage }
            lines shouldHaveSize 2
            lines[0] shouldContain "→ POST 127.0.0.1:${server.port}/echo token="
            lines[0] shouldContain "\"name\":\"ada\""
            lines[1] shouldContain "← POST 127.0.0.1:${server.port}/echo status=200"
            lines[1] shouldContain "\"server\":\"plugins\""
            lines.forEach { it shouldNotContain "s3cr3t" }
        }
    })

private infix fun Duration.shouldNotBe(other: Duration) {
    (this == other) shouldBe false
}
