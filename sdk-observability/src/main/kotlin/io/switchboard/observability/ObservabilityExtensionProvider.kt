package io.switchboard.observability

import io.micrometer.core.instrument.Metrics
import io.opentelemetry.api.GlobalOpenTelemetry
import io.switchboard.config.ConfigSection
import io.switchboard.spi.ExtensionProvider
import io.switchboard.spi.ManagerExtension

/**
 * `service-caller.observability` in YAML: metrics in Micrometer's global registry (`Metrics.globalRegistry`, where
 * Spring Boot and the application add their registries) and traces through `GlobalOpenTelemetry` (set by the
 * application's SDK or the Java agent).
 *
 * ```yaml
 * service-caller:
 *   observability:
 *     metrics: true                    # Micrometer meters (default true)
 *     tracing: true                    # OpenTelemetry spans (default true)
 *     opentelemetry-metrics: false     # OpenTelemetry's HTTP duration histograms too (default false)
 *     mdc: true                        # trace_id, span_id, call_id in the MDC (default true)
 *     max-uri-tags: 100
 *     propagate-trace-context: true    # default: unless the OpenTelemetry Java agent is attached
 * ```
 */
public class ObservabilityExtensionProvider : ExtensionProvider {
    override val name: String get() = Observability.NAME

    override fun validate(section: ConfigSection) {
        settings(section, connect = false)
    }

    override fun create(section: ConfigSection): ManagerExtension = settings(section, connect = true).build()

    /** The settings of [section]; the global registry and OpenTelemetry only when [connect] (not while loading). */
    private fun settings(
        section: ConfigSection,
        connect: Boolean,
    ): Observability.Builder {
        section.checkKeys(KEYS)
        val builder = Observability.builder()
        if (section.boolean("metrics") != false && connect) builder.meterRegistry(Metrics.globalRegistry)
        if (section.boolean("tracing") != false && connect) {
            // GlobalOpenTelemetry.get() before the application registered its SDK would fix a no-op one for good
            if (GlobalOpenTelemetry.isSet()) {
                builder.openTelemetry(GlobalOpenTelemetry.get())
            } else {
                log.warn(
                    "{}.tracing is on, but no OpenTelemetry is registered globally yet (GlobalOpenTelemetry): this manager " +
                        "traces nothing; register the SDK before building it, or add Observability to the builder by hand",
                    section.path,
                )
            }
        }
        section.boolean("opentelemetry-metrics")?.let(builder::openTelemetryMetrics)
        section.boolean("mdc")?.let(builder::mdc)
        section.int("max-uri-tags", 1..100_000)?.let(builder::maxUriTags)
        section.boolean("propagate-trace-context")?.let(builder::propagateTraceContext)
        return builder
    }

    private companion object {
        val log = org.slf4j.LoggerFactory.getLogger(ObservabilityExtensionProvider::class.java)
        val KEYS = listOf("metrics", "tracing", "opentelemetry-metrics", "mdc", "max-uri-tags", "propagate-trace-context")
    }
}
