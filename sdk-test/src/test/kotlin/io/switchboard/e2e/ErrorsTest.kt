package io.switchboard.e2e

import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldHaveSize
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.switchboard.ConfigurationException
import io.switchboard.HttpStatusException
import io.switchboard.InvalidRequestException
import io.switchboard.NoInstanceAvailableException
import io.switchboard.RequestOptions
import io.switchboard.ServiceCallException
import io.switchboard.ServiceInstance
import io.switchboard.ServiceManager
import io.switchboard.ServiceTimeoutException
import io.switchboard.SwitchboardException
import io.switchboard.TimeoutKind
import io.switchboard.test.TestHttpServer
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.async
import kotlinx.coroutines.cancelAndJoin
import kotlinx.coroutines.coroutineScope
import java.net.InetAddress
import java.net.ServerSocket
import java.net.Socket
import java.time.Duration
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.seconds

/** Each kind of bad input or failure gives a typed error whose message says what to do. */
class ErrorsTest :
    FunSpec({
        val server = TestHttpServer.start("err")
        val manager =
            ServiceManager {
                staticInstances("svc", server.instance("svc"))
                staticInstances(
                    "drained",
                    server.instance("drained").withHealthy(false),
                    server.instance("drained", 0.0).withInstanceId("zero"),
                )
            }
        afterSpec {
            manager.close()
            server.close()
        }

        test("an unknown service names the registry and suggests the closest known name") {
            val e = shouldThrow<NoInstanceAvailableException> { manager.get<String>("svd", "/hello") }
            e.serviceName shouldBe "svd"
            e.message shouldContain "no instances of service 'svd' are registered in the embedded registry"
            e.message shouldContain "Did you mean 'svc'?"
        }

        test("an emptied instance list is reported as such") {
            manager.embeddedRegistry.add(server.instance("gone"))
            manager.embeddedRegistry.remove(server.instance("gone"))
            val e = shouldThrow<NoInstanceAvailableException> { manager.get<String>("gone", "/hello") }
            e.instances shouldHaveSize 0
            e.message shouldContain "'gone'"
        }

        test("only unhealthy or zero-weight instances: the error lists them") {
            val e = shouldThrow<NoInstanceAvailableException> { manager.get<String>("drained", "/hello") }
            e.instances shouldHaveSize 2
            e.message shouldContain "has 2 instance(s) but none is healthy with a weight above 0"
            e.message shouldContain "unhealthy"
        }

        test("an invalid strategy name lists the valid ones") {
            val e = shouldThrow<ConfigurationException> { ServiceManager { loadBalancer("round-robin") } }
            e.message shouldBe
                "load balancer 'round-robin' is unknown (expected one of: round_robin, random, weight_round_robin, weight_random, " +
                "least_requests, peak_ewma); did you mean 'round_robin'?"
        }

        test("a path without a leading slash is refused before anything is sent") {
            val before = server.requestCount
            val e = shouldThrow<InvalidRequestException> { manager.get<String>("svc", "hello") }
            e.message shouldBe "path 'hello' of a call to svc does not start with '/' (expected: '/hello')"
            server.requestCount shouldBe before
        }

        test("a non-2xx answer names the status, the instance and the start of the body") {
            val e = shouldThrow<HttpStatusException> { manager.get<String>("svc", "/status/503") }
            e.status shouldBe 503
            e.instance shouldBe server.instance("svc")
            e.bodyExcerpt shouldContain "\"status\":503"
            e.message shouldContain "GET svc/status/503 answered HTTP 503 from 127.0.0.1:${server.port}"
        }

        test("a body that does not fit the requested type is a decoding error naming the type") {
            val e = shouldThrow<ServiceCallException> { manager.get<User>("svc", "/hello") }
            e.message shouldContain "could not decode the answer of GET svc/hello"
            e.message shouldContain "User"
        }

        test("bad settings are refused with the setting's name") {
            shouldThrow<ConfigurationException> { ServiceManager { connectTimeout(Duration.ofSeconds(-1)) } }.message shouldBe
                "connectTimeout: PT-1S (expected: > 0)"
            shouldThrow<ConfigurationException> { ServiceManager { connectionPoolSize(0) } }.message shouldBe
                "connectionPoolSize: 0 (expected: > 0)"
            shouldThrow<IllegalArgumentException> { ServiceInstance("svc", "127.0.0.1", 70000) }.message shouldBe
                "port of svc at 127.0.0.1: 70000 (expected: 1..65535)"
        }

        test("the request timeout and a per-call timeout say which one fired") {
            ServiceManager {
                staticInstances("svc", server.instance("svc"))
                requestTimeout(200.milliseconds)
            }.use { m ->
                val e = shouldThrow<ServiceTimeoutException> { m.get<String>("svc", "/delay/2000") }
                e.kind shouldBe TimeoutKind.REQUEST
                e.message shouldContain "requestTimeout of 200 ms fired calling svc at 127.0.0.1:${server.port}"
            }
            val e =
                shouldThrow<ServiceTimeoutException> {
                    manager.get<String>("svc", "/delay/2000", RequestOptions { timeout(150.milliseconds) })
                }
            e.kind shouldBe TimeoutKind.REQUEST
            e.timeout shouldBe Duration.ofMillis(150)
        }

        test("the read timeout fires when the instance goes silent") {
            ServiceManager {
                staticInstances("svc", server.instance("svc"))
                readTimeout(200.milliseconds)
            }.use { m ->
                val e = shouldThrow<ServiceTimeoutException> { m.get<String>("svc", "/delay/2000") }
                e.kind shouldBe TimeoutKind.READ
                e.message shouldContain "readTimeout of 200 ms"
            }
        }

        test("the connect timeout fires when the instance does not accept connections") {
            // a listening socket whose accept queue is full: the kernel drops further connection attempts
            ServerSocket(0, 1, InetAddress.getLoopbackAddress()).use { full ->
                val fillers = List(8) { runCatching { Socket().apply { connect(full.localSocketAddress, 200) } }.getOrNull() }
                try {
                    ServiceManager {
                        staticInstances("stuck", ServiceInstance("stuck", "127.0.0.1", full.localPort))
                        connectTimeout(300.milliseconds)
                        requestTimeout(5.seconds)
                    }.use { m ->
                        val e = shouldThrow<SwitchboardException> { m.get<String>("stuck", "/hello") }
                        (e as ServiceTimeoutException).kind shouldBe TimeoutKind.CONNECT
                    }
                } finally {
                    fillers.forEach { it?.close() }
                }
            }
        }

        test("a refused connection names the instance") {
            val port = ServerSocket(0, 1, InetAddress.getLoopbackAddress()).use { it.localPort }
            ServiceManager { staticInstances("down", ServiceInstance("down", "127.0.0.1", port)) }.use { m ->
                val e = shouldThrow<ServiceCallException> { m.get<String>("down", "/hello") }
                e.message shouldContain "GET down/hello to 127.0.0.1:$port failed"
            }
        }

        test("cancelling the calling coroutine aborts the HTTP call") {
            HeldServer("cancel").use { held ->
                ServiceManager { staticInstances("slow", held.server.instance("slow")) }.use { m ->
                    coroutineScope {
                        val call = async { m.get<String>("slow", "/held") }
                        held.awaitArrival()
                        held.server.openConnections shouldBe 1
                        call.cancelAndJoin()
                        // the call ended while the server still held its answer: it did not wait for it
                        held.answeredCount shouldBe 0
                        shouldThrow<CancellationException> { call.await() }
                    }
                    held.server.awaitOpenConnections(0, timeoutMillis = 20_000) shouldBe true
                }
            }
        }

        test("a closed manager refuses calls, from Kotlin and from Java") {
            val m = ServiceManager { staticInstances("svc", server.instance("svc")) }
            m.close()
            shouldThrow<SwitchboardException> { m.get<String>("svc", "/hello") }.message shouldContain "closed"
            val e = shouldThrow<java.util.concurrent.ExecutionException> { m.async().get("svc", "/hello", String::class.java).get() }
            e.cause!!.message shouldContain "closed"
        }

        test("waiting for a pooled connection is bounded by the request timeout") {
            ServiceManager {
                staticInstances("svc", server.instance("svc"))
                connectionPoolSize(1)
                requestTimeout(300.milliseconds)
            }.use { m ->
                val e =
                    shouldThrow<ServiceTimeoutException> {
                        // the raw block holds the only connection while it makes a second call
                        m.rawGet("svc", "/hello") { m.get<String>("svc", "/hello") }
                    }
                e.kind shouldBe TimeoutKind.REQUEST
                m.get<Hello>("svc", "/hello").status shouldBe "OK"
            }
        }
    })
