package io.switchboard.e2e

import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldHaveSize
import io.kotest.matchers.ints.shouldBeGreaterThan
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.ktor.http.HttpStatusCode
import io.ktor.server.response.respondText
import io.ktor.server.routing.get
import io.ktor.server.routing.post
import io.switchboard.ConfigurationException
import io.switchboard.HttpStatusException
import io.switchboard.OutlierDetection
import io.switchboard.RequestOptions
import io.switchboard.RetryPolicy
import io.switchboard.ServiceManager
import io.switchboard.ServiceManagerBuilder
import io.switchboard.balancer.LoadBalancers
import io.switchboard.client.ClientSpec
import io.switchboard.client.Params
import io.switchboard.client.ServiceClient
import io.switchboard.config.ConfigLoader
import io.switchboard.discovery.InMemoryRegistry
import io.switchboard.server.ServiceServer
import io.switchboard.server.host
import io.switchboard.service.Channel
import io.switchboard.service.Idempotent
import io.switchboard.service.RemoteServiceException
import io.switchboard.service.Retry
import io.switchboard.service.Service
import io.switchboard.test.TestHttpServer
import java.util.concurrent.atomic.AtomicInteger

/** A service whose reads are idempotent; its calls travel as dispatch POSTs. */
@Service(name = "stock")
interface Stock {
    /** Safe to repeat: a failed attempt goes on to another instance. */
    @Idempotent
    suspend fun level(item: String): Int

    /** Not marked: a POST that may have run is never repeated. */
    suspend fun take(item: String): Int

    /** Idempotent, but allowed one attempt only. */
    @Idempotent
    @Retry(maxAttempts = 1)
    suspend fun peek(item: String): Int
}

private class Shelf : Stock {
    override suspend fun level(item: String): Int = 7

    override suspend fun take(item: String): Int = 6

    override suspend fun peek(item: String): Int = 7
}

@Service(name = "broken")
interface BrokenRetry {
    @Retry(attemptTimeout = "soon")
    suspend fun read(): Int
}

/** A server answering every POST to `/flaky` and every dispatch call with [status], counting them in [hits]. */
private fun failing(
    name: String,
    hits: AtomicInteger,
    status: HttpStatusCode = HttpStatusCode.ServiceUnavailable,
): TestHttpServer =
    TestHttpServer.start(name) {
        post("/flaky") {
            hits.incrementAndGet()
            call.respondText("""{"status":"${status.value}","server":"$name"}""", status = status)
        }
        get("/flaky") {
            hits.incrementAndGet()
            call.respondText("""{"status":"${status.value}","server":"$name"}""", status = status)
        }
        post("/_dispatch/{service}/{method}") {
            hits.incrementAndGet()
            call.respondText("""{"status":"${status.value}","server":"$name"}""", status = status)
        }
    }

/** A server answering `/flaky` (GET and POST) with 200. */
private fun healthy(name: String): TestHttpServer =
    TestHttpServer.start(name) {
        post("/flaky") { call.respondText("""{"status":"200","server":"$name"}""") }
        get("/flaky") { call.respondText("""{"status":"200","server":"$name"}""") }
    }

/**
 * What these tests count — how many calls meet the failing instance — needs round robin's turns (the
 * default balancer draws at random) and no ejection (which takes the failing instance out).
 */
private fun ServiceManagerBuilder.countable(): ServiceManagerBuilder =
    outlierDetection(OutlierDetection.DISABLED).loadBalancer(LoadBalancers.ROUND_ROBIN)

class IdempotencyTest :
    FunSpec({
        // every test: a 503 (without Switchboard-Not-Processed) next to a healthy instance, called in turn by round robin
        val hits = AtomicInteger()
        val down = failing("down", hits)
        val up = healthy("up")
        afterSpec {
            down.close()
            up.close()
        }
        beforeTest { hits.set(0) }

        test("a POST that met a failing instance is not retried by default; marked idempotent for the call, it is") {
            ServiceManager {
                countable()
                staticInstances("svc", down.instance("svc"), up.instance("svc"))
            }.use { manager ->
                val plain = List(4) { runCatching { manager.post<Hello>("svc", "/flaky") } }
                // half of them went to the failing instance first, ran there once, and failed
                plain.count { it.isFailure } shouldBe 2
                hits.get() shouldBe 2
                hits.set(0)
                repeat(4) { manager.post<Hello>("svc", "/flaky", RequestOptions { idempotent(true) }).server shouldBe "up" }
                hits.get() shouldBe 2
                // and the call's false wins over the service's true
                ServiceManager {
                    countable()
                    staticInstances("svc", down.instance("svc"), up.instance("svc"))
                    service("svc") { idempotent(true) }
                }.use { marked ->
                    List(4) { runCatching { marked.post<Hello>("svc", "/flaky", RequestOptions { idempotent(false) }) } }
                        .count { it.isFailure } shouldBe 2
                }
            }
        }

        test("a service marked idempotent in YAML has its POSTs retried; another service's are not") {
            val yaml =
                """
                service-caller:
                  services:
                    orders:
                      idempotent: true
                      instances: [{ host: 127.0.0.1, port: ${down.port} }, { host: 127.0.0.1, port: ${up.port} }]
                    payments:
                      instances: [{ host: 127.0.0.1, port: ${down.port} }, { host: 127.0.0.1, port: ${up.port} }]
                """.trimIndent()
            val config = ConfigLoader().parse(yaml)
            config.serviceCaller.services
                .getValue("orders")
                .idempotent shouldBe true
            ServiceManager {
                config(config)
                countable()
            }.use { manager ->
                repeat(4) { manager.post<Hello>("orders", "/flaky").server shouldBe "up" }
                hits.get() shouldBe 2
                List(4) { runCatching { manager.post<Hello>("payments", "/flaky") } }.count { it.isFailure } shouldBe 2
            }
            shouldThrow<ConfigurationException> {
                ConfigLoader().parse("service-caller:\n  services:\n    orders:\n      idempotent: maybe")
            }.message shouldContain "application.yaml:4:19: service-caller.services.orders.idempotent: 'maybe' (expected: true or false)"
        }

        test("a service's YAML retry section keeps the manager's policy for the keys it leaves out") {
            val web = List(3) { failing("down-$it", hits, HttpStatusCode.InternalServerError) }
            val instances = web.joinToString(", ") { "{ host: 127.0.0.1, port: ${it.port} }" }

            // service-caller.retry says 2 attempts; the service's section only adds 500 to the retried statuses
            val fromYaml =
                ConfigLoader().parse(
                    """
                    service-caller:
                      retry: { max-attempts: 2, budget-min-per-second: 50 }
                      services:
                        svc:
                          retry: { retryable-statuses: [500, 503] }
                          instances: [$instances]
                    """.trimIndent(),
                )
            val service =
                fromYaml.serviceCaller.services
                    .getValue("svc")
                    .retry!!
            service.maxAttempts shouldBe 2
            service.minRetriesPerSecond shouldBe 50
            service.retryableStatuses shouldBe setOf(500, 503)
            ServiceManager {
                config(fromYaml)
                countable()
            }.use { manager ->
                shouldThrow<HttpStatusException> { manager.get<Hello>("svc", "/flaky") }.attempts shouldHaveSize 2
            }

            // the same when the manager's policy comes from the builder, after the configuration
            val sectionOnly =
                ConfigLoader().parse(
                    "service-caller:\n  services:\n    svc:\n      retry: { retryable-statuses: [500] }\n      instances: [$instances]",
                )
            ServiceManager {
                config(sectionOnly)
                countable()
                retry(RetryPolicy.builder().maxAttempts(2).build())
            }.use { manager ->
                shouldThrow<HttpStatusException> { manager.get<Hello>("svc", "/flaky") }.attempts shouldHaveSize 2
            }
            // and without the service's section, 500 is not retried at all
            ServiceManager {
                countable()
                staticInstances("svc", web.map { it.instance("svc") })
                retry(RetryPolicy.builder().maxAttempts(2).build())
            }.use { manager ->
                shouldThrow<HttpStatusException> { manager.get<Hello>("svc", "/flaky") }.attempts shouldHaveSize 1
            }
            web.forEach(TestHttpServer::close)
        }

        test("a spec endpoint marked idempotent is retried; the call's own setting wins, and the endpoint's retry policy applies") {
            val registry = InMemoryRegistry()
            registry.add(down.instance("svc"))
            registry.add(up.instance("svc"))
            val spec =
                ClientSpec.parse(
                    """
                    service: svc
                    endpoints:
                      create:
                        method: post
                        path: /flaky
                        idempotent: true
                      create_once:
                        method: post
                        path: /flaky
                        idempotent: true
                        retry: { max-attempts: 1 }
                      submit:
                        method: post
                        path: /flaky
                    """.trimIndent(),
                )
            ServiceClient(spec) {
                discovery(registry)
                manager { it.countable() }
            }.use { client ->
                repeat(4) { client.call("create").status shouldBe 200 }
                hits.get() shouldBe 2
                List(4) { client.call("submit").status }.count { it == 503 } shouldBe 2
                List(4) { client.call("create_once").status }.count { it == 503 } shouldBe 2
                List(4) { client.call("create", Params { idempotent(false) }).status }.count { it == 503 } shouldBe 2
                repeat(4) { client.call("submit", Params { idempotent(true) }).status shouldBe 200 }
                // an endpoint given a policy in code
                val inCode =
                    ClientSpec {
                        service("svc")
                        endpoint(
                            io.switchboard.client.EndpointSpec(
                                "create",
                                "/flaky",
                                "POST",
                                idempotent = true,
                                retry = RetryPolicy.NONE,
                            ),
                        )
                    }
                ServiceClient(inCode) {
                    discovery(registry)
                    manager { it.countable() }
                }.use { once ->
                    List(4) { once.call("create").status }.count { it == 503 } shouldBe 2
                }
            }
        }

        test("an interface method annotated @Idempotent is retried over dispatch (a POST); the others are not") {
            ServiceServer { host<Stock>(Shelf()) }.start().use { server ->
                ServiceManager {
                    countable()
                    staticInstances("stock", down.instance("stock"), server.instances[0].withMetadata(emptyMap()))
                }.use { manager ->
                    for (channel in listOf(Channel.DISPATCH_JSON, Channel.DISPATCH_MSGPACK)) {
                        hits.set(0)
                        val stock = manager.getService<Stock>(channel)
                        repeat(4) { stock.level("bolts") shouldBe 7 }
                        hits.get() shouldBe 2
                        val taken = List(4) { runCatching { stock.take("bolts") } }
                        taken.count { it.exceptionOrNull() is RemoteServiceException } shouldBe 2
                        taken.count { it.getOrNull() == 6 } shouldBe 2
                        // @Retry(maxAttempts = 1) turns the retry off for that method alone
                        List(4) { runCatching { stock.peek("bolts") } }.count { it.isFailure } shouldBe 2
                    }
                }
            }
            shouldThrow<ConfigurationException> {
                ServiceManager { }.use { it.getService<BrokenRetry>().read() }
            }.message shouldContain "BrokenRetry.read: @Retry(attemptTimeout = \"soon\") (expected: a duration above zero"
            hits.get() shouldBeGreaterThan 0
        }
    })
