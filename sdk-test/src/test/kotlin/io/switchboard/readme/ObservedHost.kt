package io.switchboard.readme

// README:begin kotlin-observability
import io.micrometer.prometheusmetrics.PrometheusConfig
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry
import io.opentelemetry.api.OpenTelemetry
import io.switchboard.ServiceManager
import io.switchboard.observability.Observability
import io.switchboard.observability.observability
import io.switchboard.server.ServiceServer
import io.switchboard.server.host

val prometheus = PrometheusMeterRegistry(PrometheusConfig.DEFAULT) // serve prometheus.scrape() at /metrics

fun observabilityOf(openTelemetry: OpenTelemetry): Observability =
    Observability {
        meterRegistry(prometheus) // http.client.requests, http.server.requests, switchboard.*
        openTelemetry(openTelemetry) // spans, W3C traceparent, trace ids in the MDC
    }

suspend fun observedCatalog(
    catalog: Catalog,
    observability: Observability,
): ServiceServer =
    ServiceServer {
        host<Catalog>(catalog)
        observability(observability)
    }.start()

fun observedCaller(
    server: ServiceServer,
    observability: Observability,
): ServiceManager =
    ServiceManager {
        staticInstances("catalog", server.instances.single())
        addExtension(observability)
    }
// README:end
