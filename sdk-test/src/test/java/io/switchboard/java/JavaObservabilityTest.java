package io.switchboard.java;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.switchboard.ServiceManager;
import io.switchboard.observability.Mdc;
import io.switchboard.observability.Observability;
import io.switchboard.observability.ServerObservability;
import io.switchboard.server.ObservedRequest;
import io.switchboard.server.RequestObservation;
import io.switchboard.server.ServerObserver;
import io.switchboard.server.ServiceServer;
import io.switchboard.service.Service;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.jetbrains.annotations.NotNull;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

/**
 * Observability from Java: the same wiring through the builders, a Java implementation whose blocking call runs in
 * the caller's trace with the trace id in its MDC, Micrometer meters, and a server observer written in Java.
 */
class JavaObservabilityTest {
    @Service(name = "java-obs-stock")
    public interface Stock {
        int level(String item);
    }

    @Service(name = "java-obs-front")
    public interface Front {
        CompletableFuture<Integer> price(String item);
    }

    static final Map<String, String> seen = new ConcurrentHashMap<>();

    static final class StockImpl implements Stock {
        @Override
        public int level(String item) {
            seen.put("stock", Span.current().getSpanContext().getTraceId());
            return item.length();
        }
    }

    static final class FrontImpl implements Front {
        volatile ServiceManager stock;

        @Override
        public CompletableFuture<Integer> price(String item) {
            seen.put("front-mdc", String.valueOf(MDC.get(Mdc.TRACE_ID)));
            // a blocking proxy call from the implementation's thread: it joins the trace this request continues
            return CompletableFuture.completedFuture(
                    10 * stock.getService(Stock.class).level(item));
        }
    }

    /** Counts the requests it sees and the statuses they ended with: a ServerObserver written in Java. */
    static final class StatusLog implements ServerObserver {
        final List<String> ended = new CopyOnWriteArrayList<>();

        @NotNull
        @Override
        public String getName() {
            return "status-log";
        }

        @NotNull
        @Override
        public RequestObservation requestStarted(@NotNull ObservedRequest request) {
            return (status, route, failure) ->
                    ended.add(request.getMethod() + " " + (route == null ? "?" : route.getTemplate()) + " " + status);
        }
    }

    @Test
    void oneTraceAndMetersFromJava() throws Exception {
        InMemorySpanExporter spans = InMemorySpanExporter.create();
        OpenTelemetrySdk otel = OpenTelemetrySdk.builder()
                .setTracerProvider(SdkTracerProvider.builder()
                        .addSpanProcessor(SimpleSpanProcessor.create(spans))
                        .build())
                .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
                .build();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        Observability observability = Observability.builder()
                .meterRegistry(registry)
                .openTelemetry(otel)
                .build();
        StatusLog log = new StatusLog();
        FrontImpl front = new FrontImpl();
        try (ServiceServer stockServer = ServiceServer.builder()
                        .host(Stock.class, new StockImpl())
                        .addObserver(ServerObservability.of(observability))
                        .addObserver(log)
                        .build()
                        .startAsync()
                        .join();
                ServiceServer frontServer = ServiceServer.builder()
                        .host(Front.class, front)
                        .addObserver(ServerObservability.of(observability))
                        .build()
                        .startAsync()
                        .join();
                ServiceManager stock = ServiceManager.builder()
                        .staticInstances(
                                "java-obs-stock", stockServer.getInstances().get(0))
                        .addExtension(observability)
                        .build();
                ServiceManager caller = ServiceManager.builder()
                        .staticInstances(
                                "java-obs-front", frontServer.getInstances().get(0))
                        .addExtension(observability)
                        .build()) {
            front.stock = stock;
            Span root = otel.getTracer("java-test").spanBuilder("java-root").startSpan();
            int price;
            try (Scope ignored = root.makeCurrent()) {
                price = caller.getService(Front.class).price("fig").join();
            } finally {
                root.end();
            }
            assertEquals(30, price);
            String traceId = root.getSpanContext().getTraceId();
            assertEquals(traceId, seen.get("front-mdc"));
            assertEquals(traceId, seen.get("stock"));
            long deadline = System.nanoTime() + 5_000_000_000L;
            List<SpanData> trace;
            do {
                trace = spans.getFinishedSpanItems().stream()
                        .filter(s -> s.getTraceId().equals(traceId))
                        .collect(Collectors.toList());
                if (trace.stream().filter(s -> s.getKind() == SpanKind.SERVER).count() == 2) break;
                Thread.sleep(5);
            } while (System.nanoTime() < deadline);
            assertEquals(
                    2,
                    trace.stream().filter(s -> s.getKind() == SpanKind.SERVER).count(),
                    trace.toString());
            assertEquals(
                    2,
                    trace.stream().filter(s -> s.getKind() == SpanKind.CLIENT).count(),
                    trace.toString());

            assertEquals(
                    1L,
                    registry.get("http.client.requests")
                            .tag("service", "java-obs-front")
                            .tag("uri", "/_dispatch/java-obs-front/price")
                            .tag("status", "200")
                            .timer()
                            .count());
            assertNotNull(registry.find("http.server.requests")
                    .tag("service", "java-obs-stock")
                    .timer());
            assertTrue(log.ended.contains("POST /_dispatch/java-obs-stock/level 200"), () -> "observed: " + log.ended);
        } finally {
            otel.close();
        }
    }
}
