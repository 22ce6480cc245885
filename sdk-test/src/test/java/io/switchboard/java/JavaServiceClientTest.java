package io.switchboard.java;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.switchboard.InvalidRequestException;
import io.switchboard.client.ClientResponse;
import io.switchboard.client.ClientSpec;
import io.switchboard.client.EndpointSpec;
import io.switchboard.client.MockAnswer;
import io.switchboard.client.ParameterObjects;
import io.switchboard.client.Params;
import io.switchboard.client.PoolPlugin;
import io.switchboard.client.ServiceClient;
import io.switchboard.client.TrackingTokenPlugin;
import io.switchboard.test.MockTransport;
import io.switchboard.test.TestHttpServer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The spec-based client from Java: builder, Params, CompletableFuture, plugins and mocks. */
class JavaServiceClientTest {
    public static class Echo {
        public String method;
        public String path;
        public String body;
        public Map<String, String> headers;
    }

    record UserQuery(int userId, boolean verbose) {}

    @Test
    void callsASpecEndpointThroughTheFutureFace() throws Exception {
        try (TestHttpServer server = TestHttpServer.start("java-client")) {
            ClientSpec spec = ClientSpec.builder()
                    .baseUrl(server.getBaseUrl())
                    .header("X-Client", "java")
                    .endpoint("get_user_detail", "GET", "/echo/users/{user_id}")
                    .endpoint(new EndpointSpec("create_user", "/echo/users", "POST"))
                    .build();
            try (ServiceClient client = ServiceClient.builder(spec)
                    .plugin(new TrackingTokenPlugin())
                    .plugin(new PoolPlugin(4, 100, Duration.ofSeconds(5)))
                    .build()) {
                ClientResponse detail = client.callAsync(
                                "get_user_detail",
                                Params.builder().path("user_id", 42).build())
                        .get(5, TimeUnit.SECONDS);
                assertEquals(200, detail.getStatus());
                Echo echo = detail.data(Echo.class);
                assertEquals("/echo/users/42", echo.path);
                assertEquals("java", echo.headers.get("x-client"));
                assertEquals(detail.getTrackingToken(), echo.headers.get("x-tracking-token"));

                Echo created = client.callAsync(
                                "create_user",
                                Params.builder().json(new UserQuery(7, true)).build(),
                                Echo.class)
                        .get(5, TimeUnit.SECONDS);
                assertEquals("{\"userId\":7,\"verbose\":true}", created.body);

                ExecutionException missing = assertThrows(
                        ExecutionException.class,
                        () -> client.callAsync("get_user_detail").get(5, TimeUnit.SECONDS));
                assertInstanceOf(InvalidRequestException.class, missing.getCause());
            }
        }
    }

    @Test
    void mocksAndParameterObjectsFromJava() throws Exception {
        ClientSpec spec = ClientSpec.builder()
                .baseUrl("http://users.example")
                .endpoint(new EndpointSpec(
                        "get_user",
                        "/users/{id}",
                        "GET",
                        Map.of(),
                        Map.of(),
                        null,
                        MockAnswer.json("{\"userId\":3,\"verbose\":false}")))
                .build();
        MockTransport mock = new MockTransport().forSpec(spec);
        try (ServiceClient client =
                ServiceClient.builder(spec).manager(mock::install).build()) {
            UserQuery user = client.callAsync(
                            "get_user", Params.builder().path("id", 3).build(), UserQuery.class)
                    .get(5, TimeUnit.SECONDS);
            assertEquals(new UserQuery(3, false), user);
        }
        assertEquals("/users/3", mock.getRequests().get(0).getPath());
        assertEquals(
                new UserQuery(9, true), ParameterObjects.build(UserQuery.class, Map.of("userId", 9, "verbose", true)));
    }
}
