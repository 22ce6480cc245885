package io.switchboard.demo;

import io.switchboard.RequestOptions;
import io.switchboard.ServiceManager;
import java.util.concurrent.CompletableFuture;

/** The Java side of the demo: the same manager, through its CompletableFuture face. */
public final class JavaDemo {
    private JavaDemo() {}

    /** The greeting as a Java record, decoded by Jackson. */
    public record JavaGreeting(String message, String instance) {}

    /** Calls the greeting service asynchronously and describes the answer. */
    public static String call(ServiceManager manager) {
        CompletableFuture<JavaGreeting> future = manager.async()
                .get(
                        "greeting-service",
                        "/hello",
                        JavaGreeting.class,
                        RequestOptions.builder().query("name", "Java").build());
        return future.thenApply(g -> "java: " + g.message() + " (from " + g.instance() + ")")
                .join();
    }
}
