package io.switchboard.observability

import io.opentelemetry.api.OpenTelemetry
import io.opentelemetry.api.common.Attributes
import io.opentelemetry.api.metrics.DoubleHistogram
import io.opentelemetry.api.trace.Span
import io.opentelemetry.api.trace.SpanKind
import io.opentelemetry.api.trace.StatusCode
import io.opentelemetry.context.Context
import io.opentelemetry.context.propagation.TextMapSetter
import io.switchboard.RequestContext
import io.switchboard.Secrets
import io.switchboard.spi.AttemptChain

/**
 * The spans of calls, after OpenTelemetry's HTTP client conventions: an INTERNAL span per call named
 * `{method} {uri}`, and under it a CLIENT span per attempt with the instance's address, the masked URL, the status,
 * `error.type` and `http.request.resend_count`; each attempt writes `traceparent` (and `tracestate`) through the
 * configured propagators unless [propagate] is off. Optionally, OpenTelemetry's `http.client.request.duration`
 * histogram per attempt.
 */
internal class ClientTracing(
    openTelemetry: OpenTelemetry,
    private val propagate: Boolean,
    metrics: Boolean,
) {
    private val tracer = openTelemetry.getTracer(Semconv.SCOPE)
    private val propagator = openTelemetry.propagators.textMapPropagator
    private val attemptKind = if (propagate) SpanKind.CLIENT else SpanKind.INTERNAL
    private val durations: DoubleHistogram? =
        if (metrics) Semconv.durationHistogram(openTelemetry, "http.client.request.duration", "Duration of HTTP client requests.") else null

    /** Starts the call's span under the caller's trace context; returns the context that holds it. */
    fun startCall(
        context: RequestContext,
        uri: String,
    ): Context {
        // a coroutine carrying a trace context (a hosted implementation's) makes it the thread's while it runs
        val parent = Context.current()
        val span =
            tracer
                .spanBuilder("${context.method} $uri")
                .setParent(parent)
                .setSpanKind(SpanKind.INTERNAL)
                .setAttribute(Semconv.METHOD, context.method)
                .setAttribute(Semconv.SERVICE, context.serviceName)
                .apply { context.uriTemplate?.let { setAttribute(Semconv.URL_TEMPLATE, it) } }
                .startSpan()
        return parent.with(span)
    }

    fun endCall(
        span: Span,
        context: RequestContext,
        attempts: Int,
        failure: Throwable?,
    ) {
        span.setAttribute(Semconv.ATTEMPTS, attempts.toLong())
        context.response?.let { span.setAttribute(Semconv.STATUS, it.status.toLong()) }
        if (failure != null) {
            span.setAttribute(Semconv.ERROR_TYPE, errorType(context.response?.status, failure))
            span.setStatus(StatusCode.ERROR, failure.message?.take(200) ?: failure.javaClass.simpleName)
            span.recordException(failure)
        }
        span.end()
    }

    /** Starts an attempt's span under the call's [call] context, and writes its trace context into the request's headers. */
    fun startAttempt(
        call: Context,
        chain: AttemptChain,
        uri: String,
        kind: String,
    ): Span {
        val context = chain.context
        val instance = chain.instance
        val span =
            tracer
                .spanBuilder("${context.method} $uri")
                .setParent(call)
                .setSpanKind(attemptKind)
                .setAttribute(Semconv.METHOD, context.method)
                .setAttribute(Semconv.SERVER_ADDRESS, instance.host)
                .setAttribute(Semconv.SERVER_PORT, instance.port.toLong())
                .setAttribute(Semconv.URL_FULL, fullUrl(instance.baseUrl, context))
                .setAttribute(Semconv.SERVICE, context.serviceName)
                .apply {
                    context.uriTemplate?.let { setAttribute(Semconv.URL_TEMPLATE, it) }
                    if (chain.attempt > 1) {
                        setAttribute(Semconv.RESEND_COUNT, (chain.attempt - 1).toLong())
                        setAttribute(Semconv.ATTEMPT_KIND, kind)
                    }
                }.startSpan()
        if (propagate) propagator.inject(call.with(span), context.headers, HeaderSetter)
        return span
    }

    fun endAttempt(
        span: Span,
        chain: AttemptChain,
        uri: String,
        status: Int?,
        failure: Throwable?,
        startedNanos: Long,
    ) {
        if (status != null) span.setAttribute(Semconv.STATUS, status.toLong())
        val error = if (failure != null || (status != null && status >= 400)) errorType(status, failure) else null
        if (error != null) {
            span.setAttribute(Semconv.ERROR_TYPE, error)
            span.setStatus(StatusCode.ERROR)
            failure?.let(span::recordException)
        }
        span.end()
        durations?.record(
            (System.nanoTime() - startedNanos) / 1e9,
            Attributes
                .builder()
                .put(Semconv.METHOD, chain.context.method)
                .put(Semconv.SERVER_ADDRESS, chain.instance.host)
                .put(Semconv.SERVER_PORT, chain.instance.port.toLong())
                .put(Semconv.URL_TEMPLATE, uri)
                .apply {
                    if (status != null) put(Semconv.STATUS, status.toLong())
                    if (error != null) put(Semconv.ERROR_TYPE, error)
                }.build(),
        )
    }

    private fun fullUrl(
        baseUrl: String,
        context: RequestContext,
    ): String {
        val url = StringBuilder(baseUrl).append(context.path)
        var first = !context.path.contains('?')
        for ((name, values) in context.queryParameters) {
            for (value in values) {
                url
                    .append(if (first) '?' else '&')
                    .append(name)
                    .append('=')
                    .append(value)
                first = false
            }
        }
        return Secrets.maskedPath(url.toString())
    }

    private object HeaderSetter : TextMapSetter<MutableMap<String, String>> {
        override fun set(
            carrier: MutableMap<String, String>?,
            key: String,
            value: String,
        ) {
            carrier?.put(key, value)
        }
    }

    companion object {
        /** `error.type`: the status for an HTTP error, else the failure's class. */
        fun errorType(
            status: Int?,
            failure: Throwable?,
        ): String =
            when {
                status != null && status >= 400 && (failure == null || failure is io.switchboard.HttpStatusException) -> status.toString()
                failure != null -> (failure.cause.takeIf { failure is io.switchboard.ServiceCallException } ?: failure).javaClass.name
                else -> "_OTHER"
            }
    }
}
