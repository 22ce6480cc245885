package io.switchboard.observability

import io.micrometer.core.instrument.Tags
import io.micrometer.core.instrument.Timer
import io.opentelemetry.api.trace.Span
import io.opentelemetry.api.trace.SpanKind
import io.opentelemetry.api.trace.StatusCode
import io.opentelemetry.context.Context
import io.opentelemetry.context.propagation.TextMapGetter
import io.opentelemetry.extension.kotlin.asContextElement
import io.switchboard.server.ObservedRequest
import io.switchboard.server.ObservedRoute
import io.switchboard.server.RequestObservation
import io.switchboard.server.ServerObserver
import io.switchboard.server.ServerStatus
import io.switchboard.server.ServiceServer
import io.switchboard.server.ServiceServerBuilder
import io.switchboard.service.ServiceErrorException
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.TimeUnit
import kotlin.coroutines.CoroutineContext
import kotlin.coroutines.EmptyCoroutineContext

/**
 * [Observability] for a [ServiceServer]: `http.server.requests` timers (Spring's name and tags, plus `service`),
 * gauges of requests in flight, open connections and draining, a SERVER span per request continuing the caller's
 * trace (W3C `traceparent` through the configured propagators), and the trace and request ids in the MDC while the
 * implementation runs — so its own calls through a manager join the same trace, from coroutines, blocking methods
 * and CompletableFuture methods alike.
 */
public class ServerObservability private constructor(
    private val settings: Observability,
) : ServerObserver {
    override val name: String get() = Observability.NAME

    private val registry = settings.meterRegistry
    private val tracer = settings.openTelemetry?.getTracer(Semconv.SCOPE)
    private val propagator = settings.openTelemetry?.propagators?.textMapPropagator
    private val durations =
        if (settings.openTelemetryMetrics) {
            Semconv.durationHistogram(settings.openTelemetry!!, "http.server.request.duration", "Duration of HTTP server requests.")
        } else {
            null
        }
    private val uris = UriTags(settings.maxUriTags, "ServiceServer")
    private val timers = ConcurrentHashMap<List<String>, Timer>()
    private val gauges = ConcurrentHashMap<ServiceServer, List<AutoCloseable>>()

    override fun serverStarted(server: ServiceServer) {
        val registry = registry ?: return
        val tags = Tags.of("port", server.port.toString())
        gauges[server] =
            listOf(
                SummedGauges.add(registry, "switchboard.server.requests.active", tags, "Requests being handled") {
                    server.callsInFlight.toDouble()
                },
                SummedGauges.add(
                    registry,
                    "switchboard.server.connections",
                    tags,
                    "Open connections",
                ) { server.connectionsOpen.toDouble() },
                SummedGauges.add(registry, "switchboard.server.draining", tags, "1 while the server drains before it stops") {
                    if (server.status == ServerStatus.DRAINING) 1.0 else 0.0
                },
            )
    }

    override fun serverStopped(server: ServiceServer) {
        gauges.remove(server)?.forEach(AutoCloseable::close)
    }

    override fun requestStarted(request: ObservedRequest): RequestObservation {
        val started = System.nanoTime()
        val method = Semconv.method(request.method)
        var span: Span? = null
        var context: CoroutineContext = EmptyCoroutineContext
        if (tracer != null) {
            // under the Java agent, its own server span is current: ours goes under it
            val base = if (JavaAgent.attached) Context.current() else Context.root()
            val parent = propagator!!.extract(base, request, RequestGetter)
            span =
                tracer
                    .spanBuilder(method)
                    .setParent(parent)
                    .setSpanKind(SpanKind.SERVER)
                    .setAttribute(Semconv.METHOD, method)
                    .setAttribute(Semconv.URL_SCHEME, request.scheme)
                    .setAttribute(Semconv.URL_PATH, request.target.substringBefore('?'))
                    .setAttribute(Semconv.SERVER_ADDRESS, request.serverAddress)
                    .setAttribute(Semconv.SERVER_PORT, request.serverPort.toLong())
                    .setAttribute(Semconv.CLIENT_ADDRESS, request.remoteAddress.substringBeforeLast(':'))
                    .apply { request.header("User-Agent")?.let { setAttribute(Semconv.USER_AGENT, it.take(256)) } }
                    .startSpan()
            context += parent.with(span).asContextElement()
        }
        if (settings.mdc) {
            val callId = span?.spanContext?.takeIf { it.isValid }?.spanId ?: Mdc.randomCallId()
            context += Mdc.context(span?.spanContext, callId)
        }
        return Observation(request.scheme, method, started, span, context)
    }

    private inner class Observation(
        private val scheme: String,
        private val method: String,
        private val started: Long,
        private val span: Span?,
        override val context: CoroutineContext,
    ) : RequestObservation {
        override fun ended(
            status: Int,
            route: ObservedRoute?,
            failure: Throwable?,
        ) {
            val nanos = System.nanoTime() - started
            val uri =
                when {
                    route != null -> uris.bounded(route.template)
                    status == 404 -> "NOT_FOUND"
                    else -> "UNKNOWN"
                }
            // an implementation's own ServiceErrorException is the answer it chose, not a failure of the server
            val thrown = failure?.takeIf { it !is ServiceErrorException }
            registry?.let { r ->
                val service = route?.serviceName ?: "none"
                val exception = thrown?.javaClass?.simpleName ?: "none"
                val tags = listOf(method, uri, status.toString(), exception, service)
                timers
                    .computeIfAbsent(tags) {
                        Timer
                            .builder("http.server.requests")
                            .description("Requests a ServiceServer answered, by service, method, route template and outcome")
                            .tags(
                                "method",
                                method,
                                "uri",
                                uri,
                                "status",
                                status.toString(),
                                "outcome",
                                ClientMeters.outcome(status),
                                "exception",
                                exception,
                                "service",
                                service,
                            ).register(r)
                    }.record(nanos, TimeUnit.NANOSECONDS)
            }
            val error = if (status >= 500) thrown?.javaClass?.name ?: status.toString() else null
            span?.let { s ->
                if (route != null) {
                    s.updateName("$method ${route.template}")
                    s.setAttribute(Semconv.ROUTE, route.template)
                    route.serviceName?.let { s.setAttribute(Semconv.SERVICE, it) }
                }
                s.setAttribute(Semconv.STATUS, status.toLong())
                if (error != null) {
                    s.setAttribute(Semconv.ERROR_TYPE, error)
                    s.setStatus(StatusCode.ERROR)
                }
                thrown?.let(s::recordException)
                s.end()
            }
            durations?.record(
                nanos / 1e9,
                io.opentelemetry.api.common.Attributes
                    .builder()
                    .put(Semconv.METHOD, method)
                    .put(Semconv.URL_SCHEME, scheme)
                    .put(Semconv.STATUS, status.toLong())
                    .apply {
                        route?.let { put(Semconv.ROUTE, it.template) }
                        error?.let { put(Semconv.ERROR_TYPE, it) }
                    }.build(),
            )
        }
    }

    private object RequestGetter : TextMapGetter<ObservedRequest> {
        override fun keys(carrier: ObservedRequest): Iterable<String> = carrier.headerNames()

        override fun get(
            carrier: ObservedRequest?,
            key: String,
        ): String? = carrier?.header(key)
    }

    /** Factories. */
    public companion object {
        /** The server side of [observability]. */
        @JvmStatic
        public fun of(observability: Observability): ServerObservability = ServerObservability(observability)
    }
}

/** Observes the server with [observability]: its requests' metrics, spans and MDC (see [ServerObservability]). */
public fun ServiceServerBuilder.observability(observability: Observability): ServiceServerBuilder =
    addObserver(ServerObservability.of(observability))
