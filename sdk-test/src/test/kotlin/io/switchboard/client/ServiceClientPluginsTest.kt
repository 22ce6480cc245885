package io.switchboard.client

import ch.qos.logback.classic.Logger
import ch.qos.logback.classic.spi.ILoggingEvent
import ch.qos.logback.core.read.ListAppender
import io.kotest.assertions.withClue
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldHaveSize
import io.kotest.matchers.longs.shouldBeGreaterThanOrEqual
import io.kotest.matchers.nulls.shouldNotBeNull
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.kotest.matchers.string.shouldNotContain
import io.switchboard.RequestContext
import io.switchboard.e2e.Echo
import io.switchboard.spi.Interceptor
import io.switchboard.test.TestHttpServer
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.coroutineScope
import org.slf4j.LoggerFactory
import java.time.Duration
import java.util.concurrent.ConcurrentLinkedQueue

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

        test("a rate limit of 5 per second lets no more than 5 of 15 simultaneous calls start within any second, and all through") {
            val limit = 5
            val period = Duration.ofSeconds(1)
            val departures = ConcurrentLinkedQueue<Long>()
            ServiceClient(spec) {
                plugin(RateLimitPlugin(limit, period))
                plugin(DeparturesPlugin(departures))
            }.use { client ->
                val before = server.requestCount
                val started = System.nanoTime()
                val responses = coroutineScope { (1..15).map { async { client.call("hello") } }.awaitAll() }
                val tookNanos = System.nanoTime() - started
                responses.count { it.status == 200 } shouldBe 15
                server.requestCount - before shouldBe 15
                val sent = departures.sorted()
                sent shouldHaveSize 15
                // any limit + 1 consecutive departures span at least a period; a moment of slack for the instant
                // being read just after the permit was taken (a busy machine only spreads the calls further)
                withClue("departures, in ms after the first: ${sent.map { (it - sent.first()) / 1_000_000 }}") {
                    sent.windowed(limit + 1).forEach { window ->
                        (window.last() - window.first()) shouldBeGreaterThanOrEqual period.toNanos() - SLACK.toNanos()
                    }
                }
                // 15 calls at 5 per period: the last 5 can start only after two periods
                tookNanos shouldBeGreaterThanOrEqual 2 * period.toNanos()
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

/** How far before its true instant a departure may be read, when the thread is paused between the two. */
private val SLACK: Duration = Duration.ofMillis(50)

/** Records the instant each call leaves, right after the rate limit (order -9 000) let it through. */
private class DeparturesPlugin(
    private val departures: MutableCollection<Long>,
) : Interceptor {
    override val name: String get() = "Departures"
    override val order: Int get() = -8_999

    override suspend fun beforeRequest(context: RequestContext) {
        departures += System.nanoTime()
    }
}

private infix fun Duration.shouldNotBe(other: Duration) {
    (this == other) shouldBe false
}
