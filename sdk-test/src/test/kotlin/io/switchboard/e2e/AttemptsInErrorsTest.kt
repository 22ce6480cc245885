package io.switchboard.e2e

import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldHaveSize
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.kotest.matchers.string.shouldEndWith
import io.kotest.matchers.string.shouldNotContain
import io.kotest.matchers.string.shouldStartWith
import io.kotest.matchers.types.shouldBeInstanceOf
import io.ktor.http.HttpStatusCode
import io.ktor.server.response.respondText
import io.ktor.server.routing.post
import io.switchboard.HttpStatusException
import io.switchboard.RequestOptions
import io.switchboard.RetryPolicy
import io.switchboard.ServiceCallException
import io.switchboard.ServiceInstance
import io.switchboard.ServiceManager
import io.switchboard.ServiceTimeoutException
import io.switchboard.SwitchboardException
import io.switchboard.TimeoutKind
import io.switchboard.test.TestHttpServer
import java.net.InetAddress
import java.net.ServerSocket
import java.time.Duration
import java.util.concurrent.atomic.AtomicInteger
import kotlin.time.Duration.Companion.seconds

/** Ports nothing listens on: connections to them are refused. */
private fun refusedPorts(count: Int): List<Int> {
    val sockets = List(count) { ServerSocket(0, 1, InetAddress.getLoopbackAddress()) }
    return sockets.map { it.localPort }.also { sockets.forEach(ServerSocket::close) }
}

/** A server whose `POST /orders` answers 503 (not promising the call was not run), counting the calls. */
private fun unavailable(
    name: String,
    hits: AtomicInteger,
): TestHttpServer =
    TestHttpServer.start(name) {
        post("/orders") {
            hits.incrementAndGet()
            call.respondText("""{"error":"overloaded"}""", status = HttpStatusCode.ServiceUnavailable)
        }
    }

/** One listed attempt: the instance, what came of it, how long it took. */
private val listed = Regex("""127\.0\.0\.1:(\d+) (HTTP 503|connection refused) in \d+ ms""")

class AttemptsInErrorsTest :
    FunSpec({
        test("when every instance fails, the error lists each attempt: where it went and why it failed") {
            val hits = AtomicInteger()
            val (a, b) = listOf(unavailable("a", hits), unavailable("b", hits))
            val refused = refusedPorts(1).single()
            ServiceManager {
                staticInstances("svc", a.instance("svc"), ServiceInstance("svc", "127.0.0.1", refused), b.instance("svc"))
            }.use { manager ->
                val e =
                    shouldThrow<SwitchboardException> {
                        manager.post<Hello>("svc", "/orders", RequestOptions { idempotent(true) })
                    }
                e.attempts shouldHaveSize RetryPolicy.DEFAULT.maxAttempts
                e.attempts.map { it.instance.port }.toSet() shouldBe setOf(a.port, b.port, refused)
                hits.get() shouldBe 2
                val message = e.message!!
                val tail = message.substringAfter("; after 3 attempts: ")
                val entries = tail.split("; ")
                entries shouldHaveSize 3
                entries.forEach { it shouldBe listed.matchEntire(it)!!.value }
                entries.map { listed.matchEntire(it)!!.groupValues[1].toInt() } shouldBe e.attempts.map { it.instance.port }
                entries.single { it.contains("connection refused") } shouldContain ":$refused "
                // the message still starts with the last attempt's failure, as a single attempt's would
                val last = e.attempts.last()
                last.failure shouldBe e
                if (last.instance.port == refused) {
                    e.shouldBeInstanceOf<ServiceCallException>()
                    message shouldStartWith "POST svc/orders to 127.0.0.1:$refused failed: "
                } else {
                    e.shouldBeInstanceOf<HttpStatusException>()
                    message shouldStartWith "POST svc/orders answered HTTP 503 from 127.0.0.1:${last.instance.port}"
                }
                e.attempts
                    .single { it.instance.port == refused }
                    .failure
                    .shouldBeInstanceOf<ServiceCallException>()
            }
            a.close()
            b.close()
        }

        test("a failure after one attempt keeps its message; attempts still lists that one") {
            val hits = AtomicInteger()
            val (a, b) = listOf(unavailable("one", hits), unavailable("two", hits))
            ServiceManager { staticInstances("svc", a.instance("svc"), b.instance("svc")) }.use { manager ->
                // a plain POST that reached the application is not repeated, though another instance is there
                val e = shouldThrow<HttpStatusException> { manager.post<Hello>("svc", "/orders") }
                e.attempts shouldHaveSize 1
                e.message shouldBe
                    "POST svc/orders answered HTTP 503 from 127.0.0.1:${e.instance.port}: {\"error\":\"overloaded\"} " +
                    "(the service failed; check its logs)"
                e.message!! shouldNotContain "attempts"
                hits.get() shouldBe 1
            }
            a.close()
            b.close()
        }

        test("connection failures name each instance, and a long list is cut after ten") {
            val ports = refusedPorts(12)
            ServiceManager {
                staticInstances("svc", ports.map { ServiceInstance("svc", "127.0.0.1", it) })
                retry(
                    RetryPolicy
                        .builder()
                        .maxAttempts(12)
                        .budget(1.0, 100)
                        .build(),
                )
            }.use { manager ->
                val e = shouldThrow<ServiceCallException> { manager.post<Hello>("svc", "/orders") }
                e.attempts shouldHaveSize 12
                e.attempts.map { it.instance.port }.toSet() shouldBe ports.toSet()
                val tail = e.message!!.substringAfter("; after 12 attempts: ")
                tail shouldEndWith "; … and 2 more"
                tail.removeSuffix("; … and 2 more").split("; ").forEach { it shouldBe listed.matchEntire(it)!!.value }
                tail.split("; ") shouldHaveSize 11
            }
        }

        test("a timeout after a retried attempt says which timeout fired on which instance") {
            HeldServer("held-a").use { first ->
                HeldServer("held-b").use { second ->
                    ServiceManager {
                        staticInstances("svc", first.server.instance("svc"), second.server.instance("svc"))
                        requestTimeout(2.seconds)
                        retry(
                            RetryPolicy
                                .builder()
                                .maxAttempts(2)
                                .attemptTimeout(Duration.ofMillis(300))
                                .build(),
                        )
                    }.use { manager ->
                        val e = shouldThrow<ServiceTimeoutException> { manager.get<Hello>("svc", "/held") }
                        e.kind shouldBe TimeoutKind.REQUEST
                        e.attempts shouldHaveSize 2
                        val message = e.message!!
                        message shouldContain "requestTimeout of 2000 ms fired calling svc"
                        message shouldContain
                            "; after 2 attempts: 127.0.0.1:${e.attempts[0].instance.port} timed out (attemptTimeout of 300 ms) in "
                        message shouldContain "; 127.0.0.1:${e.attempts[1].instance.port} timed out (requestTimeout of 2000 ms) in "
                        e.attempts.map { it.instance.port }.toSet() shouldBe setOf(first.server.port, second.server.port)
                    }
                }
            }
        }
    })
