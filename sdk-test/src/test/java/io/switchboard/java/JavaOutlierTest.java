package io.switchboard.java;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.switchboard.InstanceState;
import io.switchboard.OutlierDetection;
import io.switchboard.RequestContext;
import io.switchboard.ServiceInstance;
import io.switchboard.ServiceManager;
import io.switchboard.balancer.LoadBalancers;
import io.switchboard.spi.InstanceStats;
import io.switchboard.spi.LoadBalancer;
import io.switchboard.test.TestHttpServer;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Outlier ejection and per-instance statistics from Java: the policy, the states, a balancer reading the stats. */
class JavaOutlierTest {
    record Hello(String status, String server) {}

    /** Picks the instance with the fewest attempts in flight, then the lowest latency; counts the samples it saw. */
    static final class FewestInFlight implements LoadBalancer {
        final AtomicInteger sampled = new AtomicInteger();

        @Override
        public ServiceInstance choose(List<ServiceInstance> instances, RequestContext context) {
            InstanceStats stats = context.getInstanceStats();
            for (ServiceInstance instance : instances) {
                if (stats.latencyNanos(instance) != InstanceStats.NO_SAMPLE) {
                    sampled.incrementAndGet();
                }
            }
            return instances.stream()
                    .min(Comparator.comparingInt((ServiceInstance i) -> stats.inFlight(i))
                            .thenComparingLong(stats::latencyNanos))
                    .orElseThrow();
        }
    }

    static int refusedPort() throws Exception {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    @Test
    void aRefusedInstanceIsEjectedAndItsStateIsReadable() throws Exception {
        int dead = refusedPort();
        try (TestHttpServer alive = TestHttpServer.start("java-ej-alive");
                ServiceManager manager = ServiceManager.builder()
                        .staticInstances("svc", new ServiceInstance("svc", "127.0.0.1", dead), alive.instance("svc"))
                        .loadBalancer(LoadBalancers.ROUND_ROBIN) // every other call meets the dead instance
                        .outlierDetection(OutlierDetection.builder()
                                .consecutiveFailures(3)
                                .baseEjection(Duration.ofSeconds(20))
                                .maxEjection(Duration.ofMinutes(2))
                                .build())
                        .build()) {
            for (int i = 0; i < 10; i++) {
                assertEquals(
                        "java-ej-alive",
                        manager.async().get("svc", "/hello", Hello.class).join().server());
            }
            assertEquals(10, alive.getRequestCount());
            InstanceState deadState = manager.instanceStates("svc").stream()
                    .filter(s -> s.getInstance().getPort() == dead)
                    .findFirst()
                    .orElseThrow();
            assertTrue(deadState.getEjected());
            assertEquals(1, deadState.getTimesEjected());
            assertTrue(deadState.getEjectedUntil().isAfter(Instant.now().plusSeconds(10)));
            InstanceState aliveState = manager.instanceStates("svc").stream()
                    .filter(s -> s.getInstance().getPort() == alive.getPort())
                    .findFirst()
                    .orElseThrow();
            assertFalse(aliveState.getEjected());
            assertNull(aliveState.getEjectedUntil());
            assertNotNull(aliveState.getLatencyEwma());
            assertEquals(0, aliveState.getInFlight());
        }
    }

    @Test
    void aJavaBalancerReadsThePerInstanceStatistics() throws Exception {
        FewestInFlight balancer = new FewestInFlight();
        try (TestHttpServer first = TestHttpServer.start("java-stats-0");
                TestHttpServer second = TestHttpServer.start("java-stats-1");
                ServiceManager manager = ServiceManager.builder()
                        .staticInstances("svc", first.instance("svc"), second.instance("svc"))
                        .loadBalancer(name -> balancer)
                        .outlierDetection(OutlierDetection.DISABLED)
                        .build()) {
            for (int i = 0; i < 20; i++) {
                manager.async().get("svc", "/hello", Hello.class).join();
            }
            // after the first answers the balancer sees latency samples of the instances it is offered
            assertTrue(balancer.sampled.get() > 20, "samples seen: " + balancer.sampled.get());
            assertEquals(20, first.getRequestCount() + second.getRequestCount());
        }
        assertTrue(LoadBalancers.getNames().contains(LoadBalancers.LEAST_REQUESTS));
        assertTrue(LoadBalancers.getNames().contains(LoadBalancers.PEAK_EWMA));
        assertEquals(0, InstanceStats.NONE.inFlight(new ServiceInstance("svc", "h", 1)));
    }
}
