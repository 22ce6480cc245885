package io.switchboard.java;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.switchboard.BufferedResponse;
import io.switchboard.HttpStatusException;
import io.switchboard.NoInstanceAvailableException;
import io.switchboard.RequestContext;
import io.switchboard.RequestOptions;
import io.switchboard.ServiceInstance;
import io.switchboard.ServiceManager;
import io.switchboard.interceptor.AuthInterceptor;
import io.switchboard.spi.JavaInterceptor;
import io.switchboard.spi.LoadBalancer;
import io.switchboard.test.TestHttpServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The Java face, used the way a Java service would: builder, CompletableFuture, plain interfaces. */
class JavaApiTest {
    record Hello(String status, String server) {}

    record Person(String name, int age, List<String> roles) {}

    public static class EchoBody {
        public String method;
        public String body;
        public Map<String, String> headers;
    }

    static TestHttpServer first;
    static TestHttpServer second;

    @BeforeAll
    static void start() {
        first = TestHttpServer.start("java-0");
        second = TestHttpServer.start("java-1");
    }

    @AfterAll
    static void stop() {
        first.close();
        second.close();
    }

    /** An interceptor in plain Java: records the phases and adds a header. */
    static final class TracingInterceptor implements JavaInterceptor {
        final List<String> phases = Collections.synchronizedList(new ArrayList<>());

        @Override
        public String getName() {
            return "tracing";
        }

        @Override
        public int getOrder() {
            return 5;
        }

        @Override
        public void beforeRequest(RequestContext context) {
            phases.add("before " + context.getPath());
            context.getHeaders().put("X-Trace-Id", "trace-42");
        }

        @Override
        public void afterResponse(RequestContext context) {
            phases.add("after " + context.getResponse().getStatus());
        }

        @Override
        public void handleException(RequestContext context) {
            phases.add("exception " + context.getException().getClass().getSimpleName());
        }
    }

    /** A load balancer in plain Java: always the instance with the highest port. */
    static final class HighestPort implements LoadBalancer {
        @Override
        public ServiceInstance choose(List<ServiceInstance> instances, RequestContext context) {
            ServiceInstance best = instances.get(0);
            for (ServiceInstance instance : instances) {
                if (instance.getPort() > best.getPort()) best = instance;
            }
            return best;
        }
    }

    @Test
    void builderFuturesInterceptorAndBalancerFromJava() throws Exception {
        TracingInterceptor tracing = new TracingInterceptor();
        try (ServiceManager manager = ServiceManager.builder()
                .staticInstances("people", first.instance("people"), second.instance("people"))
                .loadBalancer("people", name -> new HighestPort())
                .addInterceptor(tracing)
                .addInterceptor(new AuthInterceptor("java-token"))
                .connectTimeout(Duration.ofSeconds(2))
                .readTimeout(Duration.ofSeconds(5))
                .connectionPoolSize(16)
                .build()) {
            String expected = first.getPort() > second.getPort() ? first.getName() : second.getName();

            Hello hello = manager.async().get("people", "/hello", Hello.class).get(5, TimeUnit.SECONDS);
            assertEquals(new Hello("OK", expected), hello);

            RequestOptions options = RequestOptions.builder()
                    .json(new Person("Grace", 85, List.of("admiral")))
                    .header("X-Caller", "java")
                    .build();
            EchoBody echo = manager.async()
                    .post("people", "/echo", EchoBody.class, options)
                    .get(5, TimeUnit.SECONDS);
            assertEquals("POST", echo.method);
            assertEquals("{\"name\":\"Grace\",\"age\":85,\"roles\":[\"admiral\"]}", echo.body);
            assertEquals("trace-42", echo.headers.get("x-trace-id"));
            assertEquals("Bearer java-token", echo.headers.get("authorization"));
            assertEquals("java", echo.headers.get("x-caller"));

            BufferedResponse raw =
                    manager.async().raw("GET", "people", "/status/404").get(5, TimeUnit.SECONDS);
            assertEquals(404, raw.getStatus());
            assertTrue(raw.text().contains("404"));

            ExecutionException failure = assertThrows(
                    ExecutionException.class,
                    () -> manager.async()
                            .get("people", "/status/500", String.class)
                            .get(5, TimeUnit.SECONDS));
            HttpStatusException status = assertInstanceOf(HttpStatusException.class, failure.getCause());
            assertEquals(500, status.getStatus());

            assertEquals(
                    List.of(
                            "before /hello",
                            "after 200",
                            "before /echo",
                            "after 200",
                            "before /status/404",
                            "after 404",
                            "before /status/500",
                            "exception HttpStatusException"),
                    tracing.phases);
            assertFalse(manager.addInterceptor(new TracingInterceptor()));
            assertTrue(manager.removeInterceptor("tracing"));
        }
    }

    @Test
    void lambdaBalancerAndUnknownService() throws Exception {
        AtomicInteger choices = new AtomicInteger();
        try (ServiceManager manager = ServiceManager.builder()
                .staticInstances("svc", first.instance("svc"), second.instance("svc"))
                .loadBalancer(name -> (instances, context) -> {
                    choices.incrementAndGet();
                    return instances.get(0);
                })
                .build()) {
            for (int i = 0; i < 5; i++) {
                assertEquals(
                        "java-0",
                        manager.async().get("svc", "/hello", Hello.class).join().server());
            }
            assertEquals(5, choices.get());
            CompletableFuture<String> unknown = manager.async().get("nope", "/hello", String.class);
            ExecutionException e = assertThrows(ExecutionException.class, () -> unknown.get(5, TimeUnit.SECONDS));
            assertInstanceOf(NoInstanceAvailableException.class, e.getCause());
        }
    }

    @Test
    void cancellingTheFutureAbortsTheCall() throws Exception {
        try (TestHttpServer slow = TestHttpServer.start("java-slow");
                ServiceManager manager = ServiceManager.builder()
                        .staticInstances("slow", slow.instance("slow"))
                        .build()) {
            CompletableFuture<String> call = manager.async().get("slow", "/delay/10000", String.class);
            assertTrue(waitFor(() -> slow.getOpenConnections() == 1));
            assertTrue(call.cancel(true));
            assertTrue(slow.awaitOpenConnections(0, 5_000), "the connection was closed");
        }
    }

    private static boolean waitFor(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 5_000;
        while (System.currentTimeMillis() < deadline) {
            if (condition.getAsBoolean()) return true;
            Thread.sleep(10);
        }
        return false;
    }
}
