package io.switchboard.observability

import io.opentelemetry.api.trace.SpanContext
import kotlinx.coroutines.slf4j.MDCContext
import org.slf4j.MDC
import java.util.concurrent.ThreadLocalRandom

/** The MDC entries of a call or a hosted request, by the names OpenTelemetry's log appenders use. */
public object Mdc {
    /** The trace id, 32 hex digits. */
    public const val TRACE_ID: String = "trace_id"

    /** The current span's id, 16 hex digits. */
    public const val SPAN_ID: String = "span_id"

    /** The trace flags, 2 hex digits (`01`: sampled). */
    public const val TRACE_FLAGS: String = "trace_flags"

    /** The id of the call (on a caller) or of the request (on a server): its span's id, or a random one without tracing. */
    public const val CALL_ID: String = "call_id"

    /** The MDC of this thread with [span]'s ids (when valid) and [callId] added, as a coroutine context element. */
    internal fun context(
        span: SpanContext?,
        callId: String,
    ): MDCContext {
        val map = MDC.getCopyOfContextMap()?.let { HashMap(it) } ?: HashMap(4)
        if (span != null && span.isValid) {
            map[TRACE_ID] = span.traceId
            map[SPAN_ID] = span.spanId
            map[TRACE_FLAGS] = span.traceFlags.asHex()
        }
        map[CALL_ID] = callId
        return MDCContext(map)
    }

    /** A call id for a call with no span: 16 random hex digits. */
    internal fun randomCallId(): String = java.lang.Long.toHexString(ThreadLocalRandom.current().nextLong() or Long.MIN_VALUE)
}
