package io.switchboard.java;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.switchboard.RequestOptions;
import io.switchboard.ResponseInfo;
import io.switchboard.ServiceManager;
import io.switchboard.spi.JavaAttemptChain;
import io.switchboard.spi.JavaCallChain;
import io.switchboard.spi.JavaCallInterceptor;
import io.switchboard.test.TestHttpServer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** A wrapping interceptor written in Java: futures around the call and around each attempt. */
class JavaCallInterceptorTest {
    record Echo(String method, String path, Map<String, String> headers, String server) {}

    /** Times each call, stamps each attempt with a header, and answers `/cached` itself. */
    static final class Timing implements JavaCallInterceptor {
        final List<String> events = new CopyOnWriteArrayList<>();

        @Override
        public String getName() {
            return "timing";
        }

        @Override
        public CompletionStage<Object> interceptCall(JavaCallChain chain) {
            if (chain.getContext().getPath().equals("/cached")) {
                return CompletableFuture.completedFuture(new Echo("GET", "/cached", Map.of(), "cache"));
            }
            long started = System.nanoTime();
            return chain.proceed()
                    .whenComplete((result, failure) -> events.add("call " + (failure == null ? "ok" : "failed") + " in "
                            + (System.nanoTime() - started) / 1_000_000 + " ms"));
        }

        @Override
        public CompletionStage<ResponseInfo> interceptAttempt(JavaAttemptChain chain) {
            chain.getContext().getHeaders().put("X-Attempt", Integer.toString(chain.getAttempt()));
            return chain.proceed().thenApply(info -> {
                events.add("attempt " + chain.getAttempt() + " " + info.getStatus());
                return info;
            });
        }
    }

    @Test
    void aJavaCallInterceptorWrapsTheCallAndItsAttempts() throws Exception {
        Timing timing = new Timing();
        try (TestHttpServer server = TestHttpServer.start("java-wrapped");
                ServiceManager manager = ServiceManager.builder()
                        .staticInstances("svc", server.instance("svc", 1.0))
                        .addCallInterceptor(timing)
                        .build()) {
            Echo echo = manager.async()
                    .get("svc", "/echo", Echo.class, RequestOptions.NONE)
                    .join();
            assertEquals("java-wrapped", echo.server());
            assertEquals("1", echo.headers().get("x-attempt"));
            assertEquals("attempt 1 200", timing.events.get(0));
            assertEquals(true, timing.events.get(1).startsWith("call ok in "));

            Echo cached = manager.async()
                    .get("svc", "/cached", Echo.class, RequestOptions.NONE)
                    .join();
            assertEquals("cache", cached.server());
            assertEquals(2, timing.events.size());
        }
    }
}
