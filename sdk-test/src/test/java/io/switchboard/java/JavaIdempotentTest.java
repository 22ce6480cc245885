package io.switchboard.java;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.switchboard.Attempt;
import io.switchboard.HttpStatusException;
import io.switchboard.RequestOptions;
import io.switchboard.ServiceManager;
import io.switchboard.balancer.LoadBalancers;
import io.switchboard.server.ServiceServer;
import io.switchboard.service.Channel;
import io.switchboard.service.Idempotent;
import io.switchboard.service.Query;
import io.switchboard.service.RemoteServiceException;
import io.switchboard.service.Service;
import io.switchboard.test.TestHttpServer;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Idempotency from Java: an annotated Java interface over dispatch, and the attempts of a failed call. */
class JavaIdempotentTest {
    @Service(name = "inventory")
    public interface Inventory {
        @Idempotent
        CompletableFuture<String> level(@Query("item") String item);

        String take(@Query("item") String item);
    }

    static final class Store implements Inventory {
        @Override
        public CompletableFuture<String> level(String item) {
            return CompletableFuture.completedFuture(item + ": 7");
        }

        @Override
        public String take(String item) {
            return item + ": 6";
        }
    }

    /** Answers every dispatch call of the inventory with 503, without promising it was not run. */
    static TestHttpServer unavailable(String name) {
        return TestHttpServer.start(name)
                .stub("POST", "/_dispatch/inventory/level", 503, "{}")
                .stub("POST", "/_dispatch/inventory/take", 503, "{}")
                .stub("POST", "/orders", 503, "{\"error\":\"overloaded\"}");
    }

    @Test
    void anIdempotentMethodIsRetriedOnAnotherInstanceAndAPlainOneIsNot() throws Exception {
        try (TestHttpServer down = unavailable("java-down");
                ServiceServer server = ServiceServer.builder()
                        .host(Inventory.class, new Store())
                        .build()
                        .startAsync()
                        .join();
                ServiceManager manager = ServiceManager.builder()
                        .staticInstances(
                                "inventory",
                                down.instance("inventory"),
                                server.getInstances().get(0))
                        .loadBalancer(LoadBalancers.ROUND_ROBIN) // every other call meets the failing instance first
                        .build()) {
            Inventory inventory = manager.getService(Inventory.class, Channel.DISPATCH_JSON);
            for (int i = 0; i < 4; i++) {
                assertEquals("bolts: 7", inventory.level("bolts").get(10, TimeUnit.SECONDS));
            }
            assertEquals(2, down.getRequestCount()); // round robin: every other call met the failing instance first
            int failed = 0;
            for (int i = 0; i < 4; i++) {
                try {
                    assertEquals("bolts: 6", inventory.take("bolts"));
                } catch (RemoteServiceException e) {
                    assertEquals(503, e.getStatus());
                    failed++;
                }
            }
            assertEquals(2, failed);
            assertEquals(4, down.getRequestCount());
        }
    }

    @Test
    void theFailureOfEveryInstanceListsEachAttempt() {
        try (TestHttpServer a = unavailable("java-a");
                TestHttpServer b = unavailable("java-b");
                TestHttpServer c = unavailable("java-c");
                ServiceManager manager = ServiceManager.builder()
                        .staticInstances("svc", a.instance("svc"), b.instance("svc"), c.instance("svc"))
                        .build()) {
            CompletableFuture<String> call = manager.async()
                    .post(
                            "svc",
                            "/orders",
                            String.class,
                            RequestOptions.builder().idempotent(true).build());
            CompletionException e = assertThrows(CompletionException.class, call::join);
            HttpStatusException failure = assertInstanceOf(HttpStatusException.class, e.getCause());
            List<Attempt> attempts = failure.getAttempts();
            assertEquals(3, attempts.size());
            Set<Integer> ports =
                    attempts.stream().map(it -> it.getInstance().getPort()).collect(Collectors.toSet());
            assertEquals(Set.of(a.getPort(), b.getPort(), c.getPort()), ports);
            for (Attempt attempt : attempts) {
                assertEquals(503, attempt.getStatus());
                assertEquals("HTTP 503", attempt.getOutcome());
                assertTrue(failure.getMessage().contains(attempt.toString()), failure.getMessage());
            }
            assertTrue(failure.getMessage().contains("; after 3 attempts: 127.0.0.1:"), failure.getMessage());
        }
    }
}
