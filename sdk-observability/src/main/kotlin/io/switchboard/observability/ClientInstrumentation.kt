package io.switchboard.observability

import io.opentelemetry.api.trace.Span
import io.opentelemetry.context.Context
import io.opentelemetry.extension.kotlin.asContextElement
import io.switchboard.RequestContext
import io.switchboard.ResponseInfo
import io.switchboard.ServiceInstance
import io.switchboard.ServiceManager
import io.switchboard.spi.AttemptChain
import io.switchboard.spi.CallChain
import io.switchboard.spi.CallInterceptor
import io.switchboard.spi.InstanceEventListener
import io.switchboard.spi.Interceptor
import kotlinx.coroutines.withContext
import java.time.Duration
import java.util.concurrent.atomic.AtomicInteger
import kotlin.coroutines.CoroutineContext
import kotlin.coroutines.EmptyCoroutineContext

/**
 * [Observability] installed in one manager. Its three-phase half runs first and last around each call (the
 * call's timer and span, with the failure as the caller sees it); its call half runs the rest of the call within
 * the call's trace context and MDC, and wraps each attempt in a span of its own.
 */
internal class ClientInstrumentation(
    private val settings: Observability,
    private val manager: ServiceManager,
) : Interceptor,
    CallInterceptor,
    InstanceEventListener {
    override val name: String get() = Observability.NAME

    // outermost: the timer and the span cover every other interceptor
    override val order: Int get() = Int.MIN_VALUE

    private val meters = settings.meterRegistry?.let { ClientMeters(it, manager) }
    private val tracing = settings.openTelemetry?.let { ClientTracing(it, settings.propagatesTraceContext, settings.openTelemetryMetrics) }
    private val uris = UriTags(settings.maxUriTags, manager.toString())

    fun install(): AutoCloseable {
        manager.addInterceptor(this as Interceptor)
        manager.addCallInterceptor(this as CallInterceptor)
        manager.addInstanceListener(this)
        meters?.bindManager()
        return AutoCloseable {
            manager.removeInterceptor(name)
            manager.removeCallInterceptor(name)
            manager.removeInstanceListener(this)
            meters?.close()
        }
    }

    override suspend fun beforeRequest(context: RequestContext) {
        val uri = uris.of(context)
        val traceContext = tracing?.startCall(context, uri)
        val span = traceContext?.let(Span::fromContext)
        val callId = span?.spanContext?.takeIf { it.isValid }?.spanId ?: Mdc.randomCallId()
        var elements: CoroutineContext = EmptyCoroutineContext
        if (traceContext != null) elements += traceContext.asContextElement()
        if (settings.mdc) elements += Mdc.context(span?.spanContext, callId)
        meters?.started(context.serviceName)
        context.attributes[KEY] = CallObservation(uri, span, traceContext, callId, elements)
    }

    override suspend fun afterResponse(context: RequestContext) = finish(context, null)

    override suspend fun handleException(context: RequestContext) = finish(context, context.exception)

    private fun finish(
        context: RequestContext,
        failure: Throwable?,
    ) {
        val call = context.attributes.remove(KEY) as? CallObservation ?: return
        meters?.finished(context, call.uri, failure)
        call.span?.let { tracing!!.endCall(it, context, call.attempts.get(), failure) }
    }

    override suspend fun interceptCall(chain: CallChain): Any? {
        val call = chain.context.attributes[KEY] as? CallObservation ?: return chain.proceed()
        return if (call.elements === EmptyCoroutineContext) chain.proceed() else withContext(call.elements) { chain.proceed() }
    }

    override suspend fun interceptAttempt(chain: AttemptChain): ResponseInfo {
        val context = chain.context
        val call = context.attributes[KEY] as? CallObservation ?: return chain.proceed()
        call.attempts.incrementAndGet()
        val kind =
            when {
                chain.attempt == 1 -> FIRST
                call.running.get() > 0 -> HEDGE
                else -> RETRY
            }
        call.running.incrementAndGet()
        val started = System.nanoTime()
        val span = call.traceContext?.let { tracing!!.startAttempt(it, chain, call.uri, kind) }
        val info =
            try {
                // under the Java agent, its HTTP client span must be the attempt span's child: run the exchange within it
                if (span != null && !settings.propagatesTraceContext) {
                    withContext(call.traceContext.with(span).asContextElement()) { chain.proceed() }
                } else {
                    chain.proceed()
                }
            } catch (e: Throwable) {
                call.running.decrementAndGet()
                meters?.attempt(context.serviceName, kind, e.javaClass.simpleName)
                span?.let { tracing!!.endAttempt(it, chain, call.uri, null, e, started) }
                throw e
            }
        call.running.decrementAndGet()
        meters?.attempt(context.serviceName, kind, info.status.toString())
        span?.let { tracing!!.endAttempt(it, chain, call.uri, info.status, null, started) }
        return info
    }

    override fun ejected(
        serviceName: String,
        instance: ServiceInstance,
        duration: Duration,
        reason: String,
        again: Boolean,
    ) {
        meters?.ejected(serviceName, again)
    }

    /** One call, between its `beforeRequest` and its end. */
    private class CallObservation(
        val uri: String,
        val span: Span?,
        val traceContext: Context?,
        val callId: String,
        val elements: CoroutineContext,
    ) {
        val attempts = AtomicInteger()
        val running = AtomicInteger()
    }

    companion object {
        private const val KEY = "switchboard.observability"
        const val FIRST = "first"
        const val RETRY = "retry"
        const val HEDGE = "hedge"
    }
}
