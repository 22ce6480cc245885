package io.switchboard.readme;

// README:begin java
import io.switchboard.ServiceInstance;
import io.switchboard.ServiceManager;
import io.switchboard.interceptor.LoggingInterceptor;
import java.util.concurrent.CompletableFuture;

final class JavaQuickStart {
    private JavaQuickStart() {}

    record Hello(String status, String server) {}

    static Hello callHello(int port) {
        try (ServiceManager manager = ServiceManager.builder()
                .staticInstances("hello-service", new ServiceInstance("hello-service", "127.0.0.1", port))
                .loadBalancer("peak_ewma")
                .addInterceptor(new LoggingInterceptor())
                .build()) {
            CompletableFuture<Hello> hello = manager.async().get("hello-service", "/hello", Hello.class);
            return hello.join();
        }
    }
}
// README:end
