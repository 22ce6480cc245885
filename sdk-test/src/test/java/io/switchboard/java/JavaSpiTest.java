package io.switchboard.java;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.switchboard.NoInstanceAvailableException;
import io.switchboard.ServiceInstance;
import io.switchboard.ServiceManager;
import io.switchboard.StreamedResponse;
import io.switchboard.spi.AsyncServiceDiscovery;
import io.switchboard.spi.AsyncServiceRegistry;
import io.switchboard.spi.InstanceListener;
import io.switchboard.test.TestHttpServer;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The SPI implemented in plain Java, with CompletableFutures and no coroutines: a discovery and a registry. */
class JavaSpiTest {
    /** A registry a Java team might write over its own store: both discovery and registration. */
    static final class MapRegistry extends AsyncServiceDiscovery {
        final Map<String, List<ServiceInstance>> services = new ConcurrentHashMap<>();
        final List<InstanceListener> listeners = new CopyOnWriteArrayList<>();
        final AsyncServiceRegistry registrar = new AsyncServiceRegistry() {
            @Override
            public CompletionStage<Void> registerAsync(ServiceInstance instance) {
                return CompletableFuture.runAsync(() -> change(instance, true));
            }

            @Override
            public CompletionStage<Void> deregisterAsync(ServiceInstance instance) {
                return CompletableFuture.runAsync(() -> change(instance, false));
            }
        };

        private void change(ServiceInstance instance, boolean add) {
            List<ServiceInstance> updated =
                    new ArrayList<>(services.getOrDefault(instance.getServiceName(), List.of()));
            updated.removeIf(it -> it.getInstanceId().equals(instance.getInstanceId()));
            if (add) updated.add(instance);
            services.put(instance.getServiceName(), List.copyOf(updated));
            listeners.forEach(l -> l.onChange(instance.getServiceName(), updated));
        }

        @Override
        public CompletionStage<List<ServiceInstance>> instancesAsync(String serviceName) {
            return CompletableFuture.completedFuture(services.getOrDefault(serviceName, List.of()));
        }

        @Override
        public AutoCloseable subscribe(String serviceName, InstanceListener listener) {
            listeners.add(listener);
            return () -> listeners.remove(listener);
        }

        @Override
        public Set<String> knownServices() {
            return services.keySet();
        }

        @Override
        public String getDescription() {
            return "the map registry";
        }
    }

    record Hello(String status, String server) {}

    @Test
    void aJavaDiscoveryAndRegistryServeAManager() throws Exception {
        MapRegistry registry = new MapRegistry();
        try (TestHttpServer server = TestHttpServer.start("java-spi");
                ServiceManager manager = ServiceManager.builder()
                        .discovery(registry)
                        .registerSelf(registry.registrar, new ServiceInstance("hello", "127.0.0.1", server.getPort()))
                        .build()) {
            // nothing is registered until the manager starts
            CompletionException before = org.junit.jupiter.api.Assertions.assertThrows(
                    CompletionException.class,
                    () -> manager.async().get("hello", "/hello", Hello.class).join());
            assertInstanceOf(NoInstanceAvailableException.class, before.getCause());
            assertTrue(
                    before.getCause().getMessage().contains("the map registry"),
                    before.getCause().getMessage());

            manager.startAsync().get(5, TimeUnit.SECONDS);
            assertTrue(manager.isRegistered());
            assertEquals(
                    "java-spi",
                    manager.async()
                            .get("hello", "/hello", Hello.class)
                            .get(5, TimeUnit.SECONDS)
                            .server());

            manager.stopAsync().get(5, TimeUnit.SECONDS);
            assertEquals(List.of(), registry.services.get("hello"));
            assertTrue(manager.isClosed());
        }
    }

    @Test
    void javaStreamsARawResponse() throws Exception {
        try (TestHttpServer server = TestHttpServer.start("java-stream");
                ServiceManager manager = ServiceManager.builder()
                        .staticInstances("s", new ServiceInstance("s", "127.0.0.1", server.getPort()))
                        .connectionPoolSize(1)
                        .build()) {
            for (int i = 0; i < 3; i++) { // a pool of one: each closed response gives its connection back
                try (StreamedResponse response =
                        manager.async().stream("GET", "s", "/hello").get(5, TimeUnit.SECONDS)) {
                    assertEquals(200, response.getStatus());
                    try (InputStream body = response.body()) {
                        String text = new String(body.readAllBytes(), StandardCharsets.UTF_8);
                        assertTrue(text.contains("java-stream"), text);
                    }
                }
            }
        }
    }
}
