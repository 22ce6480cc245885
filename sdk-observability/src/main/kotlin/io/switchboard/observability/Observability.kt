package io.switchboard.observability

import io.micrometer.core.instrument.MeterRegistry
import io.opentelemetry.api.OpenTelemetry
import io.opentelemetry.context.Context
import io.opentelemetry.extension.kotlin.asContextElement
import io.switchboard.ServiceManager
import io.switchboard.spi.ManagerExtension
import kotlinx.coroutines.slf4j.MDCContext
import kotlin.coroutines.CoroutineContext
import kotlin.coroutines.EmptyCoroutineContext

/**
 * What Switchboard publishes about its calls, and where: Micrometer meters in a [MeterRegistry], OpenTelemetry
 * spans (and, optionally, OpenTelemetry's own HTTP duration histograms) through an [OpenTelemetry], and the trace
 * and call ids in SLF4J's MDC. One object serves every manager and server it is added to:
 *
 * ```
 * val observability = Observability { meterRegistry(registry); openTelemetry(otel) }
 * val manager = ServiceManager { addExtension(observability) }
 * val server = ServiceServer { observability(observability) }
 * ```
 *
 * Java: `Observability.builder().meterRegistry(registry).openTelemetry(otel).build()`, then
 * `builder.addExtension(observability)` and `serverBuilder.addObserver(ServerObservability.of(observability))`.
 * YAML: `service-caller.observability` (the global registry and `GlobalOpenTelemetry`).
 */
public class Observability private constructor(
    builder: Builder,
) : ManagerExtension {
    /** Where meters go; null for no Micrometer meters. */
    public val meterRegistry: MeterRegistry? = builder.meterRegistry

    /** Where spans (and OpenTelemetry metrics) go; null for no tracing. */
    public val openTelemetry: OpenTelemetry? = builder.openTelemetry

    /** Whether OpenTelemetry's `http.client.request.duration` / `http.server.request.duration` histograms are recorded too. */
    public val openTelemetryMetrics: Boolean = builder.openTelemetryMetrics && builder.openTelemetry != null

    /**
     * Whether `trace_id`, `span_id`, `trace_flags` and `call_id` are in the MDC while a call's call interceptors and
     * attempts run (the three-phase interceptors run outside the call's span, with the caller's MDC) and while a
     * hosted implementation runs.
     */
    public val mdc: Boolean = builder.mdc

    /**
     * How many distinct `uri` tag values each manager or server publishes at most; calls beyond them are tagged
     * `OTHER` (and a warning is logged once), so that paths with ids and no template cannot grow the registry.
     */
    public val maxUriTags: Int = builder.maxUriTags

    /**
     * Whether calls write `traceparent` (through the OpenTelemetry propagators) and their attempts are CLIENT spans.
     * Off when the OpenTelemetry Java agent is attached, since the agent's own HTTP client instrumentation
     * writes the header then (Switchboard's attempt spans become INTERNAL); set with
     * [Builder.propagateTraceContext].
     */
    public val propagatesTraceContext: Boolean = builder.propagate ?: !JavaAgent.attached

    override val name: String get() = NAME

    override fun install(manager: ServiceManager): AutoCloseable = ClientInstrumentation(this, manager).install()

    override fun callerContext(): CoroutineContext {
        var context: CoroutineContext = EmptyCoroutineContext
        if (openTelemetry != null) context += Context.current().asContextElement()
        if (mdc) context += MDCContext()
        return context
    }

    override fun toString(): String =
        "Observability(metrics=${meterRegistry != null}, tracing=${openTelemetry != null}, openTelemetryMetrics=$openTelemetryMetrics, " +
            "mdc=$mdc, maxUriTags=$maxUriTags, propagatesTraceContext=$propagatesTraceContext)"

    /** Builds [Observability]. */
    public class Builder internal constructor() {
        internal var meterRegistry: MeterRegistry? = null
        internal var openTelemetry: OpenTelemetry? = null
        internal var openTelemetryMetrics: Boolean = false
        internal var mdc: Boolean = true
        internal var maxUriTags: Int = DEFAULT_MAX_URI_TAGS
        internal var propagate: Boolean? = null

        /** Publishes Micrometer meters in [registry] (`Metrics.globalRegistry`, a Prometheus registry, …). */
        public fun meterRegistry(registry: MeterRegistry): Builder = apply { meterRegistry = registry }

        /** Traces calls through [openTelemetry] (an SDK built by the application, or `GlobalOpenTelemetry.get()`). */
        public fun openTelemetry(openTelemetry: OpenTelemetry): Builder = apply { this.openTelemetry = openTelemetry }

        /** Also records OpenTelemetry's HTTP duration histograms through the [openTelemetry]'s meter provider. */
        public fun openTelemetryMetrics(enabled: Boolean): Builder = apply { openTelemetryMetrics = enabled }

        /** Puts `trace_id`, `span_id` and `call_id` in the MDC (on by default). */
        public fun mdc(enabled: Boolean): Builder = apply { mdc = enabled }

        /** At most [max] distinct `uri` tag values per manager or server (100 by default). */
        public fun maxUriTags(max: Int): Builder =
            apply {
                require(max in 1..100_000) { "maxUriTags: $max (expected: 1..100000)" }
                maxUriTags = max
            }

        /**
         * Whether calls write `traceparent`/`tracestate` themselves; by default they do unless the OpenTelemetry
         * Java agent is attached (it instruments the HTTP client then, and writes them).
         */
        public fun propagateTraceContext(propagate: Boolean): Builder = apply { this.propagate = propagate }

        /** The settings. */
        public fun build(): Observability = Observability(this)
    }

    /** Factories and names. */
    public companion object {
        /** The extension's name. */
        public const val NAME: String = "observability"

        /** The default of [maxUriTags]. */
        public const val DEFAULT_MAX_URI_TAGS: Int = 100

        /** A builder, for Java. */
        @JvmStatic
        public fun builder(): Builder = Builder()
    }
}

/** Builds [Observability] with a Kotlin DSL: `Observability { meterRegistry(registry) }`. */
@JvmSynthetic
public inline fun Observability(block: Observability.Builder.() -> Unit): Observability = Observability.builder().apply(block).build()
