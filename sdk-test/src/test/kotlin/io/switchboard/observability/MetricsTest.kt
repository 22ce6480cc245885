package io.switchboard.observability

import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldContainExactly
import io.kotest.matchers.doubles.shouldBeGreaterThan
import io.kotest.matchers.ints.shouldBeInRange
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.micrometer.core.instrument.MeterRegistry
import io.micrometer.core.instrument.Metrics
import io.micrometer.core.instrument.simple.SimpleMeterRegistry
import io.opentelemetry.sdk.metrics.SdkMeterProvider
import io.opentelemetry.sdk.testing.exporter.InMemoryMetricReader
import io.switchboard.HttpStatusException
import io.switchboard.OutlierDetection
import io.switchboard.RequestOptions
import io.switchboard.ServiceCallException
import io.switchboard.ServiceInstance
import io.switchboard.ServiceManager
import io.switchboard.ServiceTimeoutException
import io.switchboard.config.ConfigLoader
import io.switchboard.server.ServiceServer
import io.switchboard.server.host
import io.switchboard.service.Channel
import io.switchboard.service.Get
import io.switchboard.service.Path
import io.switchboard.service.Service
import io.switchboard.service.eventually
import io.switchboard.test.TestHttpServer
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.withContext
import java.net.ServerSocket
import kotlin.time.Duration.Companion.milliseconds

@Service(name = "obs-items")
interface ItemsService {
    @Get("/items/{id}")
    suspend fun item(
        @Path("id") id: Int,
    ): Int
}

class Items : ItemsService {
    override suspend fun item(id: Int): Int = id
}

/** The timers of [name] whose tags include [tags], by the value of [tag]. */
fun MeterRegistry.counts(
    name: String,
    tag: String,
    vararg tags: String,
): Map<String, Long> =
    find(name)
        .tags(*tags)
        .timers()
        .groupBy { it.id.getTag(tag)!! }
        .mapValues { (_, timers) -> timers.sumOf { it.count() } }

/**
 * The meters a user of Micrometer reads: `http.client.requests` and `http.server.requests` with Spring's tags for
 * successes, 404s, failovers, timeouts and refused connections; attempts by kind; ejections and instance gauges; one
 * `uri` value for 10,000 ids; OpenTelemetry's duration histogram; the YAML switch.
 */
class MetricsTest :
    FunSpec({
        val registry = SimpleMeterRegistry()
        val observability = Observability { meterRegistry(registry) }
        val server = ServiceServer { host<ItemsService>(Items()).observability(observability) }.startAsync().join()
        afterSpec { server.close() }

        fun manager(
            vararg instances: ServiceInstance,
            configure: io.switchboard.ServiceManagerBuilder.() -> Unit = {},
        ) = ServiceManager {
            staticInstances(instances.first().serviceName, *instances)
            addExtension(observability)
            configure()
        }

        test("10,000 ids in paths give one uri value, on the caller and on the server, from raw calls and from a proxy") {
            manager(server.instances.single()).use { m ->
                withContext(Dispatchers.Default) {
                    (0 until 32)
                        .map { worker ->
                            async { for (i in worker until 10_000 step 32) m.get<Int>("obs-items", "/items/$i") shouldBe i }
                        }.awaitAll()
                }
                m.getService<ItemsService>(Channel.REST).item(77) shouldBe 77
                // the service's gauges while its manager is open: nothing in flight now, one available instance
                registry
                    .find("switchboard.client.requests.active")
                    .tags("service", "obs-items")
                    .gauge()!!
                    .value() shouldBe 0.0
                registry
                    .find("switchboard.client.instances")
                    .tags("service", "obs-items", "state", "available")
                    .gauge()!!
                    .value() shouldBe
                    1.0
                registry
                    .find("switchboard.client.pending")
                    .tags("limit", "connection")
                    .gauge()!!
                    .value() shouldBe 0.0
            }
            val client = registry.counts("http.client.requests", "uri", "service", "obs-items", "status", "200")
            client shouldBe mapOf("/items/{id}" to 10_001L)
            val timer = registry.find("http.client.requests").tags("uri", "/items/{id}").timer()!!
            timer.id.getTag("method") shouldBe "GET"
            timer.id.getTag("outcome") shouldBe "SUCCESS"
            timer.id.getTag("exception") shouldBe "none"
            // the server records a request once it has answered it: its last ones may come after the caller's
            eventually("the server counts every request") {
                registry.counts("http.server.requests", "uri", "service", "obs-items", "status", "200").values.sum() == 10_001L
            }
            registry.counts("http.server.requests", "uri", "service", "obs-items", "status", "200") shouldBe mapOf("/items/{id}" to 10_001L)
            registry
                .find("switchboard.client.attempts")
                .tags("service", "obs-items", "kind", "first", "status", "200")
                .counter()!!
                .count() shouldBe 10_001.0
            eventually("the server's gauge shows no request in flight") {
                registry
                    .find("switchboard.server.requests.active")
                    .tags("port", server.port.toString())
                    .gauge()!!
                    .value() == 0.0
            }
            registry
                .find("switchboard.server.draining")
                .tags("port", server.port.toString())
                .gauge()!!
                .value() shouldBe 0.0
        }

        test("a 404 is tagged with its status on both sides; the server's uri is NOT_FOUND for a path it does not route") {
            manager(server.instances.single()).use { m ->
                shouldThrow<HttpStatusException> { m.get<String>("obs-items", "/nothing/here") }.status shouldBe 404
            }
            val timer = registry.find("http.client.requests").tags("service", "obs-items", "status", "404").timer()!!
            timer.id.getTag("outcome") shouldBe "CLIENT_ERROR"
            timer.id.getTag("exception") shouldBe "none"
            timer.id.getTag("uri") shouldBe "/nothing/here"
            // the server records a request once it has answered it: the caller may see the 404 first
            eventually("the server counts the 404") {
                registry.find("http.server.requests").tags("status", "404", "method", "GET").timer() != null
            }
            val served = registry.find("http.server.requests").tags("status", "404", "method", "GET").timer()!!
            served.id.getTag("uri") shouldBe "NOT_FOUND"
            served.id.getTag("service") shouldBe "none"
            // methods a caller makes up share one series
            val http =
                java.net.http.HttpClient
                    .newHttpClient()
            for (made in listOf("BREW", "FOO123")) {
                http
                    .send(
                        java.net.http.HttpRequest
                            .newBuilder(java.net.URI("${server.baseUrl}/items/1"))
                            .method(
                                made,
                                java.net.http.HttpRequest.BodyPublishers
                                    .noBody(),
                            ).build(),
                        java.net.http.HttpResponse.BodyHandlers
                            .discarding(),
                    ).statusCode() shouldBeInRange 400..499
            }
            eventually("both are counted") {
                registry
                    .find("http.server.requests")
                    .tags("method", "_OTHER")
                    .timers()
                    .sumOf { it.count() } == 2L
            }
            registry
                .find("http.server.requests")
                .timers()
                .mapNotNull { it.id.getTag("method") }
                .none { it == "BREW" || it == "FOO123" } shouldBe true
        }

        test("a 503 with failover: one call timer with 200, a first attempt with 503 and a retry with 200") {
            val failing = TestHttpServer.start("m-503").stub("GET", "/stock/1", 503, "{}")
            val good = TestHttpServer.start("m-good").stub("GET", "/stock/1", 200, "1")
            try {
                manager(failing.instance("obs-stock-m"), good.instance("obs-stock-m")) { loadBalancer("round_robin") }.use { m ->
                    repeat(2) { m.get<Int>("obs-stock-m", "/stock/1") shouldBe 1 }
                }
                registry.counts("http.client.requests", "status", "service", "obs-stock-m") shouldBe mapOf("200" to 2L)

                fun attempts(
                    kind: String,
                    status: String,
                ) = registry
                    .find("switchboard.client.attempts")
                    .tags("service", "obs-stock-m", "kind", kind, "status", status)
                    .counter()
                    ?.count()
                attempts("first", "503") shouldBe 1.0
                attempts("retry", "200") shouldBe 1.0
                attempts("first", "200") shouldBe 1.0
            } finally {
                failing.close()
                good.close()
            }
        }

        test("a timeout and a refused connection are tagged with their exception and no status") {
            val slow = TestHttpServer.start("m-slow")
            try {
                manager(slow.instance("obs-slow")).use { m ->
                    shouldThrow<ServiceTimeoutException> {
                        m.get<String>("obs-slow", "/delay/3000", RequestOptions { timeout(200.milliseconds) })
                    }
                }
            } finally {
                slow.close()
            }
            val timedOut = registry.find("http.client.requests").tags("service", "obs-slow").timer()!!
            timedOut.id.getTag("exception") shouldBe "ServiceTimeoutException"
            timedOut.id.getTag("status") shouldBe "CLIENT_ERROR"
            timedOut.id.getTag("outcome") shouldBe "UNKNOWN"
            timedOut.id.getTag("uri") shouldBe "/delay/{id}"

            val closedPort = ServerSocket(0).use { it.localPort }
            manager(ServiceInstance("obs-refused", "127.0.0.1", closedPort)).use { m ->
                shouldThrow<ServiceCallException> { m.get<String>("obs-refused", "/x") }
            }
            val refused = registry.find("http.client.requests").tags("service", "obs-refused").timer()!!
            refused.id.getTag("exception") shouldBe "ServiceCallException"
            refused.id.getTag("status") shouldBe "CLIENT_ERROR"
            val attempt = registry.find("switchboard.client.attempts").tags("service", "obs-refused").counter()!!
            attempt.id.getTag("status")!! shouldContain "Connect"
        }

        test("an instance that refuses connections is ejected: the ejection counter and the instance gauges say so") {
            val good = TestHttpServer.start("m-eject")
            val closedPort = ServerSocket(0).use { it.localPort }
            try {
                manager(ServiceInstance("obs-eject", "127.0.0.1", closedPort), good.instance("obs-eject")) {
                    loadBalancer("round_robin")
                    outlierDetection(OutlierDetection.builder().consecutiveFailures(1).build())
                }.use { m ->
                    repeat(4) { m.get<String>("obs-eject", "/hello") }
                    registry
                        .find("switchboard.client.ejections")
                        .tags("service", "obs-eject")
                        .counter()!!
                        .count() shouldBe 1.0

                    fun instances(state: String) =
                        registry
                            .find("switchboard.client.instances")
                            .tags("service", "obs-eject", "state", state)
                            .gauge()!!
                            .value()
                    instances("ejected") shouldBe 1.0
                    instances("available") shouldBe 1.0
                }
                // a closed manager takes its part out of the gauges
                registry.find("switchboard.client.instances").tags("service", "obs-eject").gauges() shouldBe emptyList()
            } finally {
                good.close()
            }
        }

        test("OpenTelemetry's http.client.request.duration, with the advised buckets, when asked for") {
            val reader = InMemoryMetricReader.create()
            val meters = SdkMeterProvider.builder().registerMetricReader(reader).build()
            val otel =
                io.opentelemetry.sdk.OpenTelemetrySdk
                    .builder()
                    .setMeterProvider(meters)
                    .build()
            try {
                ServiceManager {
                    staticInstances("obs-items", server.instances.single())
                    addExtension(Observability { openTelemetry(otel).openTelemetryMetrics(true) })
                }.use { m -> repeat(3) { m.get<Int>("obs-items", "/items/$it") } }
                val metric = reader.collectAllMetrics().single { it.name == "http.client.request.duration" }
                metric.unit shouldBe "s"
                val point = metric.histogramData.points.single()
                point.count shouldBe 3L
                point.boundaries shouldContainExactly
                    listOf(0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0)
                point.attributes.get(Attr.STATUS) shouldBe 200L
                point.attributes.get(
                    io.opentelemetry.api.common.AttributeKey
                        .stringKey("url.template"),
                ) shouldBe "/items/{id}"
                point.sum shouldBeGreaterThan 0.0
            } finally {
                otel.close()
            }
        }

        test("YAML turns it on with service-caller.observability, in the global registry; a wrong key is named") {
            val global = SimpleMeterRegistry()
            Metrics.addRegistry(global)
            try {
                // a bare section: every default, tracing included, while no OpenTelemetry is registered globally
                val yaml =
                    """
                    service-caller:
                      observability:
                      services:
                        obs-items:
                          instances:
                            - host: 127.0.0.1
                              port: ${server.port}
                    """.trimIndent()
                ConfigLoader().parse(yaml).newServiceManager().use { m -> m.get<Int>("obs-items", "/items/5") shouldBe 5 }
                eventually("the call is counted") {
                    global
                        .find("http.client.requests")
                        .tags("service", "obs-items")
                        .timer()
                        ?.count() == 1L
                }
                // it did not fix a no-op OpenTelemetry as the global one: the application can still register its SDK
                io.opentelemetry.api.GlobalOpenTelemetry
                    .isSet() shouldBe false
                val wrong =
                    shouldThrow<io.switchboard.ConfigurationException> {
                        ConfigLoader().parse("service-caller:\n  observability:\n    tracng: false\n")
                    }
                wrong.message!! shouldContain "service-caller.observability.tracng is not a known key (did you mean 'tracing'?)"
            } finally {
                Metrics.removeRegistry(global)
            }
        }
    })
