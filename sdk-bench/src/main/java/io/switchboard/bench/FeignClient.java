package io.switchboard.bench;

import io.switchboard.bench.JavaModel.HelloJ;
import io.switchboard.bench.JavaModel.OrderJ;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.cloud.openfeign.EnableFeignClients;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;

/**
 * Spring Cloud OpenFeign with Spring Cloud LoadBalancer over the target's three instances, listed statically
 * (the simple discovery client): a Spring Boot context with no web server, Feign on Apache HttpClient 5 (what
 * spring-cloud-openfeign configures when feign-hc5 is present), the default round-robin balancer.
 */
public final class FeignClient implements BlockingClient {
    /** The target's API, declared the OpenFeign way. */
    @org.springframework.cloud.openfeign.FeignClient(name = "bench")
    public interface BenchFeign {
        /** A small JSON object. */
        @GetMapping("/hello")
        HelloJ hello();

        /** Sends the order back. */
        @PostMapping(value = "/echo", consumes = "application/json")
        OrderJ echo(@RequestBody OrderJ order);
    }

    /** The Spring Boot application holding the Feign client. */
    @SpringBootConfiguration
    @EnableAutoConfiguration
    @EnableFeignClients(clients = BenchFeign.class)
    public static class FeignApplication {}

    private final ConfigurableApplicationContext context;
    private final BenchFeign feign;
    private final OrderJ order = JavaModel.order(ModelKt.getORDER());

    /** Starts a Spring context that knows the target at {@code ports} on 127.0.0.1. */
    public FeignClient(List<Integer> ports) {
        Map<String, Object> properties = new HashMap<>();
        for (int i = 0; i < ports.size(); i++) {
            properties.put(
                    "spring.cloud.discovery.client.simple.instances.bench[" + i + "].uri",
                    "http://127.0.0.1:" + ports.get(i));
        }
        properties.put("spring.main.banner-mode", "off");
        properties.put("spring.main.log-startup-info", "false");
        properties.put("spring.cloud.loadbalancer.cache.enabled", "true");
        context = new SpringApplicationBuilder(FeignApplication.class)
                .web(WebApplicationType.NONE)
                .properties(properties)
                .run();
        feign = context.getBean(BenchFeign.class);
    }

    @Override
    public Object get() {
        return feign.hello();
    }

    @Override
    public Object post() {
        return feign.echo(order);
    }

    @Override
    public void close() {
        context.close();
    }
}
