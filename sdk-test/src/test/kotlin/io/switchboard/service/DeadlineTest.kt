package io.switchboard.service

import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.longs.shouldBeGreaterThan
import io.kotest.matchers.longs.shouldBeLessThan
import io.kotest.matchers.longs.shouldBeLessThanOrEqual
import io.kotest.matchers.nulls.shouldBeNull
import io.kotest.matchers.nulls.shouldNotBeNull
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.switchboard.CallDeadline
import io.switchboard.RequestOptions
import io.switchboard.RetryPolicy
import io.switchboard.ServiceManager
import io.switchboard.ServiceTimeoutException
import io.switchboard.SwitchboardHeaders
import io.switchboard.TimeoutKind
import io.switchboard.discovery.InMemoryRegistry
import io.switchboard.e2e.Echo
import io.switchboard.server.ServiceServer
import io.switchboard.server.host
import io.switchboard.test.TestHttpServer
import io.switchboard.withCallDeadline
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.currentCoroutineContext
import kotlinx.coroutines.delay
import kotlinx.coroutines.future.await
import kotlinx.coroutines.withTimeout
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.time.Duration
import java.util.concurrent.ConcurrentLinkedQueue
import java.util.concurrent.atomic.AtomicInteger
import kotlin.time.Duration.Companion.seconds

/** C: a slow step that records the deadline it inherited and whether it was cancelled. */
@Service(name = "deadline-slow")
interface SlowStep {
    @Get("/work")
    suspend fun work(text: String): String

    @Get("/quick")
    suspend fun quick(): String
}

/** B: relays to C, with no deadline code of its own. */
@Service(name = "deadline-relay")
interface RelayStep {
    @Get("/relay")
    suspend fun relay(text: String): String

    @Get("/warm")
    suspend fun warm(): String
}

/** One observed run of the slow step. */
class SlowRun(
    val startedNanos: Long,
    val inherited: CallDeadline?,
) {
    val cancelledNanos = CompletableDeferred<Long>()
}

class Slow : SlowStep {
    val runs = ConcurrentLinkedQueue<SlowRun>()
    val started = AtomicInteger()

    override suspend fun work(text: String): String {
        started.incrementAndGet()
        val run = SlowRun(System.nanoTime(), currentCoroutineContext()[CallDeadline])
        runs += run
        try {
            delay(30_000)
        } catch (e: CancellationException) {
            run.cancelledNanos.complete(System.nanoTime())
            throw e
        }
        return "slow $text"
    }

    override suspend fun quick(): String = "quick"
}

class Relay(
    private val downstream: () -> SlowStep,
) : RelayStep {
    override suspend fun relay(text: String): String = downstream().work(text)

    override suspend fun warm(): String = downstream().quick()
}

private fun millisSince(nanos: Long): Long = (System.nanoTime() - nanos) / 1_000_000

/** One deadline across hops: it travels in `Switchboard-Timeout`, the server cancels at it, inner calls inherit it. */
class DeadlineTest :
    FunSpec({
        val registry = InMemoryRegistry()
        val slow = Slow()
        val slowServer = ServiceServer { host<SlowStep>(slow).registry(registry) }.startAsync().join()
        // B calls C through its own manager and a proxy; nothing in B passes a deadline on
        val relayManager = ServiceManager { discovery(registry) }
        var relayChannel = Channel.DISPATCH_JSON
        val relayServer =
            ServiceServer { host<RelayStep>(Relay { relayManager.getService<SlowStep>(relayChannel) }).registry(registry) }
                .startAsync()
                .join()
        val http = HttpClient.newHttpClient()
        afterSpec {
            relayManager.close()
            relayServer.close()
            slowServer.close()
        }

        suspend fun send(request: HttpRequest.Builder): HttpResponse<String> =
            http.sendAsync(request.timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString()).await()

        for (channel in listOf(Channel.DISPATCH_JSON, Channel.DISPATCH_MSGPACK, Channel.REST)) {
            test("A -> B -> C over ${channel.id}: a 300 ms deadline at A cancels C by then, and A gets a timeout naming it") {
                relayChannel = channel
                // the first call over a channel loads classes on three sides: not part of what is timed
                ServiceManager { discovery(registry) }.use { it.getService<RelayStep>(channel).warm() shouldBe "quick" }
                ServiceManager {
                    discovery(registry)
                    requestTimeout(Duration.ofMillis(300))
                }.use { a ->
                    val before = slow.runs.size
                    val start = System.nanoTime()
                    val e = shouldThrow<ServiceTimeoutException> { a.getService<RelayStep>(channel).relay("x") }
                    val elapsed = millisSince(start)
                    e.kind shouldBe TimeoutKind.REQUEST
                    e.message shouldContain "requestTimeout of 300 ms"
                    elapsed shouldBeLessThan 2_000
                    // C ran with the deadline B inherited (no code in B passed it on), and was cancelled by it
                    val run = slow.runs.drop(before).single()
                    val inherited = run.inherited.shouldNotBeNull()
                    inherited.timeout.toMillis() shouldBeLessThanOrEqual 300
                    inherited.timeout.toMillis() shouldBeGreaterThan 0
                    val cancelled = withTimeout(5.seconds) { run.cancelledNanos.await() }
                    (cancelled - start) / 1_000_000 shouldBeLessThan 2_000
                }
                // both servers keep serving
                relayManager.getService<SlowStep>(channel).quick() shouldBe "quick"
                eventually("the relay's calls have ended") { relayServer.callsInFlight == 0 }
                eventually("the slow step's calls have ended") { slowServer.callsInFlight == 0 }
            }
        }

        test("a deadline set with withCallDeadline travels too, and the timeout names it as inherited") {
            relayChannel = Channel.DISPATCH_JSON
            ServiceManager { discovery(registry) }.use { a ->
                val start = System.nanoTime()
                val e =
                    shouldThrow<ServiceTimeoutException> {
                        withCallDeadline(Duration.ofMillis(300)) {
                            // nested: the earlier end wins
                            withCallDeadline(Duration.ofSeconds(10)) { a.getService<RelayStep>().relay("y") }
                        }
                    }
                millisSince(start) shouldBeLessThan 2_000
                e.kind shouldBe TimeoutKind.DEADLINE
                e.timeout shouldBe Duration.ofMillis(300)
                e.message shouldContain "deadline inherited from the calling request or withCallDeadline (300 ms) passed"
            }
        }

        test("every attempt of a bounded call sends what remains in Switchboard-Timeout; an unbounded call sends none") {
            TestHttpServer.start("deadline-echo").use { echo ->
                val echoes = InMemoryRegistry().apply { add(echo.instance("echo")) }
                ServiceManager { discovery(echoes) }.use { m ->
                    m.get<Echo>("echo", "/echo").headers[SwitchboardHeaders.TIMEOUT.lowercase()].shouldBeNull()

                    val sent = m.get<Echo>("echo", "/echo", RequestOptions { timeout(Duration.ofSeconds(2)) })
                    val millis = sent.headers[SwitchboardHeaders.TIMEOUT.lowercase()].shouldNotBeNull().toLong()
                    millis shouldBeLessThanOrEqual 2_000
                    millis shouldBeGreaterThan 1_000

                    val attempt =
                        m.get<Echo>(
                            "echo",
                            "/echo",
                            RequestOptions {
                                timeout(Duration.ofSeconds(5))
                                retry(RetryPolicy.builder().attemptTimeout(Duration.ofMillis(700)).build())
                            },
                        )
                    // the only instance: the attempt timeout does not apply, so the whole deadline is sent
                    attempt.headers[SwitchboardHeaders.TIMEOUT.lowercase()].shouldNotBeNull().toLong() shouldBeGreaterThan 1_000

                    val inherited = withCallDeadline(Duration.ofMillis(800)) { m.get<Echo>("echo", "/echo") }
                    val fromContext = inherited.headers[SwitchboardHeaders.TIMEOUT.lowercase()].shouldNotBeNull().toLong()
                    fromContext shouldBeLessThanOrEqual 800
                    fromContext shouldBeGreaterThan 0
                }
            }
        }

        test("the server's maxRequestTimeout bounds a call that carries no deadline: 504 by then, and it keeps serving") {
            val capped = Slow()
            ServiceServer {
                host<SlowStep>(capped)
                maxRequestTimeout(Duration.ofMillis(200))
            }.start().use { server ->
                val start = System.nanoTime()
                val response =
                    send(
                        HttpRequest
                            .newBuilder(URI("${server.baseUrl}/_dispatch/deadline-slow/work"))
                            .header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString("[\"z\"]")),
                    )
                millisSince(start) shouldBeLessThan 2_000
                response.statusCode() shouldBe 504
                response.body() shouldContain "DeadlineExceeded"
                response.body() shouldContain "maxRequestTimeout of 200 ms"
                response.body() shouldContain "the implementation was cancelled"
                // not the caller's deadline: a caller may retry an idempotent call elsewhere
                response.headers().firstValue(SwitchboardHeaders.DEADLINE_EXCEEDED).isPresent shouldBe false
                val run = capped.runs.single()
                run.inherited.shouldNotBeNull().timeout shouldBe Duration.ofMillis(200)
                withTimeout(5.seconds) { run.cancelledNanos.await() }

                // a longer caller's deadline is cut to the cap, over REST too
                val rest = send(HttpRequest.newBuilder(URI("${server.baseUrl}/work?text=r")).header(SwitchboardHeaders.TIMEOUT, "60000"))
                rest.statusCode() shouldBe 504
                rest.body() shouldContain "maxRequestTimeout of 200 ms"

                val quick = send(HttpRequest.newBuilder(URI("${server.baseUrl}/quick")))
                quick.statusCode() shouldBe 200
                quick.body() shouldBe "\"quick\""
                eventually("the capped server's calls have ended") { server.callsInFlight == 0 }
            }
        }

        test("the caller's deadline cancels the implementation and says so in the 504") {
            val before = slow.runs.size
            val start = System.nanoTime()
            val response =
                send(HttpRequest.newBuilder(URI("${slowServer.baseUrl}/work?text=h")).header(SwitchboardHeaders.TIMEOUT, "250"))
            millisSince(start) shouldBeLessThan 2_000
            response.statusCode() shouldBe 504
            response.headers().firstValue(SwitchboardHeaders.DEADLINE_EXCEEDED).orElse(null) shouldBe "true"
            response.body() shouldContain "the caller's deadline of 250 ms (header Switchboard-Timeout) passed before deadline-slow.work"
            withTimeout(5.seconds) {
                slow.runs
                    .drop(before)
                    .single()
                    .cancelledNanos
                    .await()
            }
        }

        test("a malformed Switchboard-Timeout is a 400 naming the header and the value; 0 is a 504 without running the call") {
            val before = slow.started.get()
            for (value in listOf("abc", "-5", "1.5", "12345678901", "")) {
                val dispatch =
                    send(
                        HttpRequest
                            .newBuilder(URI("${slowServer.baseUrl}/_dispatch/deadline-slow/work"))
                            .header("Content-Type", "application/json")
                            .header(SwitchboardHeaders.TIMEOUT, value)
                            .POST(HttpRequest.BodyPublishers.ofString("[\"m\"]")),
                    )
                dispatch.statusCode() shouldBe 400
                dispatch.body() shouldContain "header Switchboard-Timeout of the call to deadline-slow.work is '$value'"
                val rest = send(HttpRequest.newBuilder(URI("${slowServer.baseUrl}/work?text=m")).header(SwitchboardHeaders.TIMEOUT, value))
                rest.statusCode() shouldBe 400
            }
            val zero = send(HttpRequest.newBuilder(URI("${slowServer.baseUrl}/work?text=0")).header(SwitchboardHeaders.TIMEOUT, "0"))
            zero.statusCode() shouldBe 504
            zero.body() shouldContain "the implementation was not run"
            slow.started.get() shouldBe before
            send(
                HttpRequest.newBuilder(URI("${slowServer.baseUrl}/quick")).header(SwitchboardHeaders.TIMEOUT, "5000"),
            ).statusCode() shouldBe
                200
        }
    })
