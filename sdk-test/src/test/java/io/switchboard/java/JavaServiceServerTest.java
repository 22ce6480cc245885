package io.switchboard.java;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.switchboard.ServiceInstance;
import io.switchboard.ServiceManager;
import io.switchboard.discovery.InMemoryRegistry;
import io.switchboard.server.ServerStatus;
import io.switchboard.server.ServiceServer;
import io.switchboard.service.Service;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A service hosted from Java: built, started and stopped with futures, called through a proxy over the shared registry. */
class JavaServiceServerTest {
    @Service(name = "java-calculator")
    public interface Calculator {
        CompletableFuture<Integer> add(int a, int b);

        String describe(List<Integer> numbers);
    }

    static final class CalculatorImpl implements Calculator {
        @Override
        public CompletableFuture<Integer> add(int a, int b) {
            return CompletableFuture.completedFuture(a + b);
        }

        @Override
        public String describe(List<Integer> numbers) {
            return numbers.size() + " numbers, sum "
                    + numbers.stream().mapToInt(Integer::intValue).sum();
        }
    }

    @Test
    void hostedWithTheBuilderStartedAndStoppedWithFutures() throws Exception {
        InMemoryRegistry registry = new InMemoryRegistry();
        ServiceServer server = ServiceServer.builder()
                .host(Calculator.class, new CalculatorImpl())
                .registry(registry)
                .registrationTimeout(Duration.ofSeconds(5))
                .build();
        assertEquals(ServerStatus.VIRGIN, server.getStatus());
        assertSame(server, server.startAsync().join());
        assertEquals(ServerStatus.RUNNING, server.getStatus());
        List<ServiceInstance> registered = registry.snapshot("java-calculator");
        assertEquals(1, registered.size());
        assertEquals(server.getPort(), registered.get(0).getPort());

        try (ServiceManager manager =
                ServiceManager.builder().discovery(registry).build()) {
            Calculator calculator = manager.getService(Calculator.class);
            assertEquals(5, calculator.add(2, 3).get(5, TimeUnit.SECONDS));
            assertEquals("3 numbers, sum 6", calculator.describe(List.of(1, 2, 3)));
        }

        server.stopAsync().join();
        assertEquals(ServerStatus.STOPPED, server.getStatus());
        assertTrue(registry.snapshot("java-calculator").isEmpty());
        server.stopAsync().join(); // idempotent
        assertEquals(ServerStatus.STOPPED, server.getStatus());
    }

    @Test
    void closeStopsAndDeregisters() {
        InMemoryRegistry registry = new InMemoryRegistry();
        try (ServiceServer server = ServiceServer.builder()
                .host(Calculator.class, new CalculatorImpl())
                .registry(registry)
                .build()
                .startAsync()
                .join()) {
            assertEquals(1, registry.snapshot("java-calculator").size());
            assertEquals(ServerStatus.RUNNING, server.getStatus());
        }
        assertTrue(registry.snapshot("java-calculator").isEmpty());
    }
}
