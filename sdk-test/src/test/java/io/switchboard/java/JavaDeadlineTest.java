package io.switchboard.java;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.switchboard.CallDeadline;
import io.switchboard.ServiceManager;
import io.switchboard.ServiceTimeoutException;
import io.switchboard.TimeoutKind;
import io.switchboard.discovery.InMemoryRegistry;
import io.switchboard.server.ServiceServer;
import io.switchboard.service.Get;
import io.switchboard.service.Query;
import io.switchboard.service.Service;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * One deadline across hops from Java: a Java implementation hosted in a ServiceServer that calls on
 * through {@code manager.async()} (or a proxy, or blocking) inherits its caller's deadline on its own
 * thread, so the slow downstream call is cut at the caller's deadline.
 */
class JavaDeadlineTest {
    @Service(name = "java-deadline-slow")
    public interface Slow {
        @Get("/work")
        CompletableFuture<String> work(@Query("text") String text);

        @Get("/quick")
        String quick();
    }

    @Service(name = "java-deadline-front")
    public interface Front {
        CompletableFuture<String> viaAsync(String text);

        CompletableFuture<String> viaProxy(String text);

        String blocking(String text);
    }

    /** Never answers; records the deadline it saw and when its future was cancelled. */
    static final class SlowImpl implements Slow {
        final BlockingQueue<Optional<CallDeadline>> seen = new LinkedBlockingQueue<>();
        final BlockingQueue<Long> cancelled = new LinkedBlockingQueue<>();

        @Override
        public CompletableFuture<String> work(String text) {
            seen.add(Optional.ofNullable(CallDeadline.current()));
            CompletableFuture<String> never = new CompletableFuture<>();
            never.whenComplete((value, failure) -> {
                if (failure instanceof CancellationException) cancelled.add(System.nanoTime());
            });
            return never;
        }

        @Override
        public String quick() {
            return "quick";
        }
    }

    /** Calls the slow service with no deadline code of its own. */
    static final class FrontImpl implements Front {
        private final ServiceManager manager;

        FrontImpl(ServiceManager manager) {
            this.manager = manager;
        }

        @Override
        public CompletableFuture<String> viaAsync(String text) {
            return manager.async().get("java-deadline-slow", "/work?text=" + text, String.class);
        }

        @Override
        public CompletableFuture<String> viaProxy(String text) {
            return manager.getService(Slow.class).work(text);
        }

        @Override
        public String blocking(String text) {
            return manager.async()
                    .get("java-deadline-slow", "/work?text=" + text, String.class)
                    .join();
        }
    }

    static InMemoryRegistry registry;
    static SlowImpl slow;
    static ServiceServer slowServer;
    static ServiceManager frontManager;
    static ServiceServer frontServer;

    @BeforeAll
    static void start() {
        registry = new InMemoryRegistry();
        slow = new SlowImpl();
        slowServer = ServiceServer.builder()
                .host(Slow.class, slow)
                .registry(registry)
                .build()
                .startAsync()
                .join();
        frontManager = ServiceManager.builder().discovery(registry).build();
        frontServer = ServiceServer.builder()
                .host(Front.class, new FrontImpl(frontManager))
                .registry(registry)
                .build()
                .startAsync()
                .join();
        // the first calls load classes on every side: not part of what is timed
        assertEquals("quick", frontManager.getService(Slow.class).quick());
    }

    @AfterAll
    static void stop() {
        frontManager.close();
        frontServer.close();
        slowServer.close();
    }

    /** Calls the front with a 300 ms requestTimeout and checks the whole chain was cut by then. */
    private static void cutAtTheCallersDeadline(java.util.function.Function<Front, CompletableFuture<String>> call)
            throws Exception {
        slow.seen.clear();
        slow.cancelled.clear();
        try (ServiceManager caller = ServiceManager.builder()
                .discovery(registry)
                .requestTimeout(Duration.ofMillis(300))
                .build()) {
            Front front = caller.getService(Front.class);
            long start = System.nanoTime();
            ExecutionException e = assertThrows(
                    ExecutionException.class, () -> call.apply(front).get(20, TimeUnit.SECONDS));
            long elapsed = (System.nanoTime() - start) / 1_000_000;
            ServiceTimeoutException timeout = assertInstanceOf(ServiceTimeoutException.class, e.getCause());
            assertEquals(TimeoutKind.REQUEST, timeout.getKind());
            assertTrue(timeout.getMessage().contains("requestTimeout of 300 ms"), timeout.getMessage());
            assertTrue(elapsed < 2_000, "the caller waited " + elapsed + " ms");

            // the slow step ran with the deadline the Java front inherited on its own thread ...
            Optional<CallDeadline> seen = slow.seen.poll(5, TimeUnit.SECONDS);
            assertNotNull(seen, "the slow step never ran");
            CallDeadline inherited = seen.orElseThrow();
            assertTrue(inherited.getTimeout().toMillis() <= 300, inherited.toString());
            // ... and was cancelled by it, long before its caller's 30 s read timeout
            Long cancelled = slow.cancelled.poll(5, TimeUnit.SECONDS);
            assertNotNull(cancelled, "the slow step was never cancelled");
            assertTrue(
                    (cancelled - start) / 1_000_000 < 2_000,
                    "cancelled after " + (cancelled - start) / 1_000_000 + " ms");
        }
    }

    @Test
    void aJavaImplementationCallingThroughAsyncInheritsTheDeadline() throws Exception {
        cutAtTheCallersDeadline(front -> front.viaAsync("a"));
    }

    @Test
    void aJavaImplementationCallingThroughAProxyInheritsTheDeadline() throws Exception {
        cutAtTheCallersDeadline(front -> front.viaProxy("p"));
    }

    @Test
    void aBlockingJavaImplementationInheritsTheDeadline() throws Exception {
        cutAtTheCallersDeadline(front -> CompletableFuture.supplyAsync(() -> front.blocking("b")));
    }

    @Test
    void aJavaCallerSetsADeadlineWithWithin() throws Exception {
        assertNull(CallDeadline.current());
        try (ServiceManager caller =
                ServiceManager.builder().discovery(registry).build()) {
            long start = System.nanoTime();
            Supplier<CompletableFuture<String>> call =
                    () -> caller.async().get("java-deadline-slow", "/work?text=w", String.class);
            CompletableFuture<String> future = CallDeadline.within(Duration.ofMillis(300), call);
            assertNull(CallDeadline.current()); // only while the block ran
            ExecutionException e = assertThrows(ExecutionException.class, () -> future.get(20, TimeUnit.SECONDS));
            ServiceTimeoutException timeout = assertInstanceOf(ServiceTimeoutException.class, e.getCause());
            assertEquals(TimeoutKind.DEADLINE, timeout.getKind());
            assertEquals(Duration.ofMillis(300), timeout.getTimeout());
            assertTrue((System.nanoTime() - start) / 1_000_000 < 2_000);
        }
    }
}
