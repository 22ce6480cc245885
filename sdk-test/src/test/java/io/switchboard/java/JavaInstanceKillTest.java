package io.switchboard.java;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.switchboard.ServiceManager;
import io.switchboard.discovery.InMemoryRegistry;
import io.switchboard.faults.RawHttpServer;
import io.switchboard.service.Channel;
import io.switchboard.service.Get;
import io.switchboard.service.Service;
import io.switchboard.test.TestHttpServer;
import java.time.Duration;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * From Java, through {@code manager.async()} and a proxy returning {@code CompletableFuture}: an instance
 * that dies abruptly under load (its listener closed, every connection reset) costs no call.
 */
class JavaInstanceKillTest {
    public record Hello(String status, String server) {}

    @Service(name = "java-faults")
    public interface HelloApi {
        @Get("/hello")
        CompletableFuture<Hello> hello();
    }

    @Test
    void callsSurviveAnInstanceKilledUnderLoad() throws Exception {
        InMemoryRegistry registry = new InMemoryRegistry();
        try (RawHttpServer victim = new RawHttpServer("java-victim");
                TestHttpServer first = TestHttpServer.start("java-0");
                TestHttpServer second = TestHttpServer.start("java-1");
                ServiceManager manager = ServiceManager.builder()
                        .discovery(registry)
                        .requestTimeout(Duration.ofSeconds(10))
                        .build()) {
            registry.add(victim.instance("java-faults"));
            registry.add(first.instance("java-faults", 1.0));
            registry.add(second.instance("java-faults", 1.0));
            HelloApi proxy = manager.getService(HelloApi.class, Channel.REST);

            int total = 2_000;
            int killAt = total / 4;
            AtomicInteger completed = new AtomicInteger();
            AtomicInteger answeredAfterKill = new AtomicInteger();
            Queue<Throwable> failures = new ConcurrentLinkedQueue<>();
            Map<String, AtomicInteger> answers = new ConcurrentHashMap<>();
            ExecutorService callers = Executors.newFixedThreadPool(8);
            for (int i = 0; i < 8; i++) {
                boolean viaProxy = i % 2 == 0;
                callers.execute(() -> {
                    while (completed.get() + failures.size() < total) {
                        CompletableFuture<Hello> call =
                                viaProxy ? proxy.hello() : manager.async().get("java-faults", "/hello", Hello.class);
                        try {
                            Hello hello = call.get(30, TimeUnit.SECONDS);
                            answers.computeIfAbsent(hello.server(), k -> new AtomicInteger())
                                    .incrementAndGet();
                            int done = completed.incrementAndGet();
                            if (done > killAt) answeredAfterKill.incrementAndGet();
                            // the instance dies a quarter of the way in; the registry learns of it 300 calls later
                            if (done == killAt) victim.kill();
                            if (done == killAt + 300) registry.remove(victim.instance("java-faults"));
                        } catch (ExecutionException e) {
                            failures.add(e.getCause());
                        } catch (Exception e) {
                            failures.add(e);
                        }
                    }
                });
            }
            callers.shutdown();
            assertTrue(callers.awaitTermination(2, TimeUnit.MINUTES), "the callers did not finish within 2 minutes");

            assertEquals(
                    0,
                    failures.size(),
                    () -> "failed calls, the first: "
                            + failures.stream().limit(5).toList());
            assertTrue(victim.getHelloCount() > 0, "the victim answered before it died: " + answers);
            assertTrue(answeredAfterKill.get() >= total / 2, "calls went on after the kill: " + answeredAfterKill);
        }
    }
}
