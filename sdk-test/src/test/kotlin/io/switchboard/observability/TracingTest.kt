package io.switchboard.observability

import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldHaveSize
import io.kotest.matchers.shouldBe
import io.kotest.matchers.shouldNotBe
import io.kotest.matchers.string.shouldContain
import io.kotest.matchers.string.shouldMatch
import io.opentelemetry.api.common.AttributeKey
import io.opentelemetry.api.trace.SpanKind
import io.opentelemetry.api.trace.StatusCode
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator
import io.opentelemetry.context.Context
import io.opentelemetry.context.propagation.ContextPropagators
import io.opentelemetry.extension.kotlin.asContextElement
import io.opentelemetry.sdk.OpenTelemetrySdk
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter
import io.opentelemetry.sdk.trace.SdkTracerProvider
import io.opentelemetry.sdk.trace.data.SpanData
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor
import io.switchboard.ServiceManager
import io.switchboard.server.ServiceServer
import io.switchboard.server.host
import io.switchboard.service.Channel
import io.switchboard.service.eventually
import io.switchboard.test.TestHttpServer
import kotlinx.coroutines.future.await
import kotlinx.coroutines.withContext
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.jsonPrimitive

/** A real OpenTelemetry SDK whose spans are kept in memory. */
class Traces : AutoCloseable {
    val exporter: InMemorySpanExporter = InMemorySpanExporter.create()
    private val provider = SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(exporter)).build()
    val sdk: OpenTelemetrySdk =
        OpenTelemetrySdk
            .builder()
            .setTracerProvider(provider)
            .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
            .build()

    fun trace(traceId: String): List<SpanData> = exporter.finishedSpanItems.filter { it.traceId == traceId }

    override fun close() = sdk.close()
}

/** `parent` of [span] among [spans], or null. */
fun List<SpanData>.parentOf(span: SpanData): SpanData? = firstOrNull { it.spanId == span.parentSpanId }

/** The names of [span]'s ancestors among these spans, nearest first. */
fun List<SpanData>.ancestry(span: SpanData): List<SpanData> = generateSequence(parentOf(span)) { parentOf(it) }.toList()

/**
 * One trace across hosted services: a caller (A) calls B, whose implementation calls C; B and C have SERVER spans,
 * every hop's CLIENT span is the parent of the next SERVER span, and the implementations' MDC has the trace id —
 * from suspending, blocking and CompletableFuture implementations.
 */
class TracingTest :
    FunSpec({
        val traces = Traces()
        val observability = Observability { openTelemetry(traces.sdk) }
        val stockServer = ServiceServer { host<StockService>(Stock()).observability(observability) }.startAsync().join()
        val stockManager =
            ServiceManager {
                staticInstances("obs-stock", stockServer.instances.single())
                addExtension(observability)
            }
        val pricingServer =
            ServiceServer { host<PricingService>(Pricing { stockManager }).observability(observability) }.startAsync().join()
        val caller =
            ServiceManager {
                staticInstances("obs-pricing", pricingServer.instances.single())
                addExtension(observability)
            }
        val tracer = traces.sdk.getTracer("test")
        afterSpec {
            caller.close()
            stockManager.close()
            pricingServer.close()
            stockServer.close()
            traces.close()
        }

        /** Calls [call] under a root span "A"; returns the trace's spans once B's and C's server spans ended. */
        suspend fun traced(call: suspend () -> Int): Pair<SpanData, List<SpanData>> {
            val root = tracer.spanBuilder("A").startSpan()
            withContext(Context.current().with(root).asContextElement()) { call() }
            root.end()
            val traceId = root.spanContext.traceId
            eventually("both server spans ended") { traces.trace(traceId).count { it.kind == SpanKind.SERVER } == 2 }
            val spans = traces.trace(traceId)
            return spans.single { it.name == "A" } to spans
        }

        fun checkChain(
            root: SpanData,
            spans: List<SpanData>,
            route: String,
        ) {
            val servers = spans.filter { it.kind == SpanKind.SERVER }
            val b = servers.single { it.name.contains(route) }
            val c = servers.single { it.name.contains("/stock/") }
            b.name shouldBe "GET $route"
            // A's attempt is B's parent: A's call span → A's CLIENT attempt → B's SERVER span
            val bAncestors = spans.ancestry(b)
            bAncestors.map { it.kind } shouldBe listOf(SpanKind.CLIENT, SpanKind.INTERNAL, SpanKind.INTERNAL)
            bAncestors.last().spanId shouldBe root.spanId
            bAncestors[0].attributes.get(Attr.SERVER_PORT) shouldBe pricingServer.port.toLong()
            // C's chain goes through B's server span
            val cAncestors = spans.ancestry(c)
            cAncestors.take(3).map { it.kind } shouldBe listOf(SpanKind.CLIENT, SpanKind.INTERNAL, SpanKind.SERVER)
            cAncestors[2].spanId shouldBe b.spanId
            cAncestors.last().spanId shouldBe root.spanId
            c.attributes.get(Attr.ROUTE) shouldBe "/stock/{item}"
            c.attributes.get(Attr.STATUS) shouldBe 200L
            c.attributes.get(Attr.SERVICE) shouldBe "obs-stock"
        }

        test("a suspending implementation's call joins the caller's trace, and its MDC has the trace id") {
            val (root, spans) = traced { caller.getService<PricingService>(Channel.REST).price("apple") }
            checkChain(root, spans, "/prices/{item}")
            SeenMdc.traceIds["price:apple"] shouldBe root.traceId
            SeenMdc.traceIds["stock:apple"] shouldBe root.traceId
            // the request's call id is its server span's id
            SeenMdc.callIds["price:apple"] shouldBe spans.single { it.kind == SpanKind.SERVER && it.name.contains("/prices/") }.spanId
        }

        test("so does a blocking implementation's call through the Java face") {
            val (root, spans) = traced { caller.getService<PricingService>(Channel.REST).blockingPrice("pear") }
            checkChain(root, spans, "/blocking-prices/{item}")
            SeenMdc.traceIds["blocking:pear"] shouldBe root.traceId
            SeenMdc.traceIds["stock:pear"] shouldBe root.traceId
        }

        test("so does a CompletableFuture implementation's call") {
            val (root, spans) = traced { caller.getService<PricingService>(Channel.REST).futurePrice("plum").await() }
            checkChain(root, spans, "/future-prices/{item}")
            SeenMdc.traceIds["future:plum"] shouldBe root.traceId
            SeenMdc.traceIds["stock:plum"] shouldBe root.traceId
        }

        test("a failover call is one trace: a failed CLIENT attempt with its 503, then a resent one") {
            val failing = TestHttpServer.start("obs-503").stub("GET", "/items/7", 503, "{\"error\":\"busy\"}")
            val good = TestHttpServer.start("obs-good").stub("GET", "/items/7", 200, "7")
            try {
                ServiceManager {
                    staticInstances("obs-items", failing.instance("obs-items"), good.instance("obs-items"))
                    loadBalancer("round_robin")
                    addExtension(observability)
                }.use { manager ->
                    // round robin: within two calls, one goes to the failing instance first
                    val roots =
                        (1..2).map {
                            val root = tracer.spanBuilder("failover-$it").startSpan()
                            withContext(
                                Context.current().with(root).asContextElement(),
                            ) { manager.get<Int>("obs-items", "/items/7") } shouldBe
                                7
                            root.end()
                            root.spanContext.traceId
                        }
                    val spans = roots.map { traces.trace(it) }.single { t -> t.count { it.kind == SpanKind.CLIENT } == 2 }
                    val call = spans.single { it.kind == SpanKind.INTERNAL && it.name == "GET /items/{id}" }
                    call.attributes.get(Attr.ATTEMPTS) shouldBe 2L
                    call.status.statusCode shouldBe StatusCode.UNSET
                    val attempts = spans.filter { it.kind == SpanKind.CLIENT }.sortedBy { it.startEpochNanos }
                    attempts.forEach { spans.parentOf(it)?.spanId shouldBe call.spanId }
                    attempts[0].attributes.get(Attr.STATUS) shouldBe 503L
                    attempts[0].attributes.get(Attr.ERROR_TYPE) shouldBe "503"
                    attempts[0].status.statusCode shouldBe StatusCode.ERROR
                    attempts[0].attributes.get(Attr.SERVER_PORT) shouldBe failing.port.toLong()
                    attempts[1].attributes.get(Attr.STATUS) shouldBe 200L
                    attempts[1].attributes.get(Attr.RESEND_COUNT) shouldBe 1L
                    attempts[1].attributes.get(Attr.SERVER_PORT) shouldBe good.port.toLong()
                    attempts[1].attributes.get(Attr.URL_FULL) shouldBe "${good.baseUrl}/items/7"
                }
            } finally {
                failing.close()
                good.close()
            }
        }

        test("the traceparent sent names the attempt's span; secrets in the URL are masked; propagation can be turned off") {
            val echo = TestHttpServer.start("obs-echo")
            try {
                ServiceManager {
                    staticInstances("obs-echo", echo.instance("obs-echo"))
                    addExtension(observability)
                }.use { manager ->
                    val body = manager.get<String>("obs-echo", "/echo?api_key=hunter2&q=1")
                    val headers = Json.parseToJsonElement(body).jsonObject["headers"] as JsonObject
                    val traceparent = headers["traceparent"]!!.jsonPrimitive.content
                    traceparent shouldMatch Regex("00-[0-9a-f]{32}-[0-9a-f]{16}-0[13]")
                    eventually("the call's spans ended") { traces.exporter.finishedSpanItems.any { traceparent.contains(it.spanId) } }
                    val attempt = traces.exporter.finishedSpanItems.single { traceparent.contains(it.spanId) }
                    attempt.kind shouldBe SpanKind.CLIENT
                    attempt.attributes.get(Attr.URL_FULL)!! shouldContain "q=1"
                    (attempt.attributes.get(Attr.URL_FULL)!!.contains("hunter2")) shouldBe false
                }
                val quiet = Observability { openTelemetry(traces.sdk).propagateTraceContext(false) }
                ServiceManager {
                    staticInstances("obs-echo", echo.instance("obs-echo"))
                    addExtension(quiet)
                }.use { manager ->
                    val headers = Json.parseToJsonElement(manager.get<String>("obs-echo", "/echo")).jsonObject["headers"] as JsonObject
                    headers["traceparent"] shouldBe null
                }
            } finally {
                echo.close()
            }
        }

        test("a server span continues a traceparent sent by any client, and ends with the status and route") {
            val traceId = "4bf92f3577b34da6a3ce929d0e0e4736"
            val response =
                java.net.http.HttpClient.newHttpClient().send(
                    java.net.http.HttpRequest
                        .newBuilder(java.net.URI("${stockServer.baseUrl}/stock/kiwi"))
                        .header("traceparent", "00-$traceId-00f067aa0ba902b7-01")
                        .build(),
                    java.net.http.HttpResponse.BodyHandlers
                        .ofString(),
                )
            response.statusCode() shouldBe 200
            eventually("the server span ended") { traces.trace(traceId).isNotEmpty() }
            val span = traces.trace(traceId).single()
            span.kind shouldBe SpanKind.SERVER
            span.parentSpanId shouldBe "00f067aa0ba902b7"
            span.name shouldBe "GET /stock/{item}"
            SeenMdc.traceIds["stock:kiwi"] shouldBe traceId
            SeenMdc.callIds["stock:kiwi"] shouldNotBe "none"
            traces.trace(traceId) shouldHaveSize 1
        }
    })

/** The attribute names the tests read, as OpenTelemetry's HTTP conventions spell them. */
object Attr {
    val STATUS: AttributeKey<Long> = AttributeKey.longKey("http.response.status_code")
    val ROUTE: AttributeKey<String> = AttributeKey.stringKey("http.route")
    val URL_FULL: AttributeKey<String> = AttributeKey.stringKey("url.full")
    val SERVER_PORT: AttributeKey<Long> = AttributeKey.longKey("server.port")
    val ERROR_TYPE: AttributeKey<String> = AttributeKey.stringKey("error.type")
    val RESEND_COUNT: AttributeKey<Long> = AttributeKey.longKey("http.request.resend_count")
    val SERVICE: AttributeKey<String> = AttributeKey.stringKey("switchboard.service")
    val ATTEMPTS: AttributeKey<Long> = AttributeKey.longKey("switchboard.attempts")
}
