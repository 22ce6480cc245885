package io.switchboard.java;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.switchboard.ConfigurationException;
import io.switchboard.ServiceManager;
import io.switchboard.discovery.InMemoryRegistry;
import io.switchboard.server.ServiceServer;
import io.switchboard.service.Body;
import io.switchboard.service.Channel;
import io.switchboard.service.Get;
import io.switchboard.service.Post;
import io.switchboard.service.Query;
import io.switchboard.service.RemoteServiceException;
import io.switchboard.service.Service;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A service interface written in Java: CompletableFuture and blocking methods, hosted and called from Java. */
class JavaServiceInterfaceTest {
    public record Greeting(String text, List<String> names) {}

    @Service(name = "greeter", path = "/v1")
    public interface Greeter {
        @Get("/greet")
        CompletableFuture<String> greet(@Query("name") String name);

        @Post("/greetings")
        Greeting record(@Body Greeting greeting);

        @Get("/fail")
        CompletableFuture<Void> fail(@Query("why") String why);
    }

    static final class GreeterImpl implements Greeter {
        @Override
        public CompletableFuture<String> greet(String name) {
            return CompletableFuture.completedFuture("hello " + name);
        }

        @Override
        public Greeting record(Greeting greeting) {
            return new Greeting(greeting.text().toUpperCase(), greeting.names());
        }

        @Override
        public CompletableFuture<Void> fail(String why) {
            return CompletableFuture.failedFuture(new IllegalArgumentException(why));
        }
    }

    @Test
    void javaInterfaceOverEveryChannel() throws Exception {
        InMemoryRegistry registry = new InMemoryRegistry();
        try (ServiceServer server = ServiceServer.builder()
                        .host(Greeter.class, new GreeterImpl())
                        .registry(registry)
                        .build()
                        .startAsync()
                        .join();
                ServiceManager manager = ServiceManager.builder()
                        .discovery(registry)
                        .localService(Greeter.class, new GreeterImpl())
                        .build()) {
            for (Channel channel : List.of(Channel.DISPATCH_MSGPACK, Channel.DISPATCH_PROTOBUF)) {
                Greeter greeter = manager.getService(Greeter.class, channel);
                assertEquals("hello binary", greeter.greet("binary").get(5, TimeUnit.SECONDS), channel.getId());
                ConfigurationException e =
                        assertThrows(ConfigurationException.class, () -> greeter.record(new Greeting("hi", List.of())));
                assertTrue(e.getMessage().contains("annotate it @Serializable, or use dispatch-json"), e.getMessage());
            }
            for (Channel channel : List.of(Channel.REST, Channel.DISPATCH_JSON, Channel.LOCAL)) {
                Greeter greeter = manager.getService(Greeter.class, channel);
                assertEquals("hello java", greeter.greet("java").get(5, TimeUnit.SECONDS), channel.getId());
                Greeting recorded = greeter.record(new Greeting("hi", List.of("a", "b")));
                assertEquals(new Greeting("HI", List.of("a", "b")), recorded, channel.getId());
                ExecutionException e = assertThrows(
                        ExecutionException.class,
                        () -> greeter.fail("no reason").get(5, TimeUnit.SECONDS));
                if (channel == Channel.LOCAL) {
                    assertInstanceOf(IllegalArgumentException.class, e.getCause());
                } else {
                    RemoteServiceException remote = assertInstanceOf(RemoteServiceException.class, e.getCause());
                    assertEquals("InternalError", remote.getRemoteType());
                    assertNotNull(remote.getErrorId());
                    assertFalse(remote.getRemoteMessage().contains("no reason"), remote.getRemoteMessage());
                }
            }
        }
    }
}
