package io.switchboard.java;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.switchboard.Attempt;
import io.switchboard.RequestContext;
import io.switchboard.RequestOptions;
import io.switchboard.RetryPolicy;
import io.switchboard.ServiceCallException;
import io.switchboard.ServiceInstance;
import io.switchboard.ServiceManager;
import io.switchboard.balancer.LoadBalancers;
import io.switchboard.spi.JavaInterceptor;
import io.switchboard.test.TestHttpServer;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** Failover from Java: the policy from the builder, per-call options, attempts read in an interceptor. */
class JavaFailoverTest {
    record Echo(String method, String server) {}

    static int refusedPort() throws Exception {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    @Test
    void aCallThatMeetsADeadInstanceIsAnsweredByAnother() throws Exception {
        List<List<Attempt>> attempts = new CopyOnWriteArrayList<>();
        JavaInterceptor recorder = new JavaInterceptor() {
            @Override
            public String getName() {
                return "attempts";
            }

            @Override
            public void afterResponse(RequestContext context) {
                attempts.add(context.getAttempts());
            }
        };
        try (TestHttpServer alive = TestHttpServer.start("java-alive");
                ServiceManager manager = ServiceManager.builder()
                        .staticInstances(
                                "svc",
                                new ServiceInstance("svc", "127.0.0.1", refusedPort()),
                                alive.instance("svc", 1.0))
                        .loadBalancer(LoadBalancers.ROUND_ROBIN)
                        .retry(RetryPolicy.builder().maxAttempts(2).build())
                        .addInterceptor(recorder)
                        .build()) {
            for (int i = 0; i < 4; i++) {
                Echo echo = manager.async()
                        .post(
                                "svc",
                                "/echo",
                                Echo.class,
                                RequestOptions.builder().text("x").build())
                        .join();
                assertEquals("java-alive", echo.server());
            }
            assertEquals(4, attempts.size());
            long retried = attempts.stream().filter(a -> a.size() == 2).count();
            // round robin sent the first call to the dead instance; the refusal ejected it, so no later call met it
            assertEquals(1, retried);
        }
    }

    @Test
    void retriesCanBeTurnedOffPerCall() throws Exception {
        try (TestHttpServer alive = TestHttpServer.start("java-alive-2");
                ServiceManager manager = ServiceManager.builder()
                        .staticInstances(
                                "svc",
                                new ServiceInstance("svc", "127.0.0.1", refusedPort()),
                                alive.instance("svc", 1.0))
                        .loadBalancer(LoadBalancers.ROUND_ROBIN)
                        .build()) {
            RequestOptions noRetry =
                    RequestOptions.builder().retry(RetryPolicy.NONE).build();
            int failed = 0;
            for (int i = 0; i < 2; i++) { // round robin: one of the two calls meets the dead instance
                try {
                    manager.async().get("svc", "/hello", String.class, noRetry).join();
                } catch (CompletionException e) {
                    assertInstanceOf(ServiceCallException.class, e.getCause());
                    failed++;
                }
            }
            assertEquals(1, failed);
        }
    }
}
