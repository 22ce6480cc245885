package io.switchboard.java;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.parameters.Parameter;
import io.swagger.v3.parser.OpenAPIV3Parser;
import io.swagger.v3.parser.core.models.ParseOptions;
import io.swagger.v3.parser.core.models.SwaggerParseResult;
import io.switchboard.server.ServiceServer;
import io.switchboard.server.openapi.OpenApiSettings;
import io.switchboard.service.Body;
import io.switchboard.service.Description;
import io.switchboard.service.Get;
import io.switchboard.service.Path;
import io.switchboard.service.Post;
import io.switchboard.service.Query;
import io.switchboard.service.Service;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** The OpenAPI document of a Java service, turned on with the Java builder: Java records, enums and @Description. */
class JavaOpenApiTest {
    public record Parcel(String id, @Description("Grams") int weight, List<String> labels) {}

    public enum Speed {
        STANDARD,
        EXPRESS
    }

    @Service(name = "java-parcels")
    @Description("Parcels on their way")
    public interface Parcels {
        @Get("/parcels/{id}")
        @Description("Where a parcel is")
        CompletableFuture<Parcel> find(@Path("id") String id);

        @Post("/parcels")
        Parcel send(@Body Parcel parcel, @Query("speed") Speed speed);
    }

    static final class ParcelsImpl implements Parcels {
        @Override
        public CompletableFuture<Parcel> find(String id) {
            return CompletableFuture.completedFuture(new Parcel(id, 100, List.of()));
        }

        @Override
        public Parcel send(Parcel parcel, Speed speed) {
            return parcel;
        }
    }

    @Test
    void theDocumentOfAJavaServiceValidatesAndDescribesIt() throws Exception {
        try (ServiceServer server = ServiceServer.builder()
                .host(Parcels.class, new ParcelsImpl())
                .openApi(OpenApiSettings.builder().title("Parcels").ui().build())
                .build()
                .startAsync()
                .join()) {
            HttpClient http = HttpClient.newHttpClient();
            HttpResponse<String> response = http.send(
                    HttpRequest.newBuilder(URI.create(server.getBaseUrl() + "/openapi.json"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, response.statusCode());

            SwaggerParseResult result = new OpenAPIV3Parser().readContents(response.body(), null, new ParseOptions());
            assertEquals(List.of(), result.getMessages());
            OpenAPI api = result.getOpenAPI();
            assertEquals("3.1.0", api.getOpenapi());
            assertEquals("Parcels", api.getInfo().getTitle());
            assertEquals("Parcels on their way", api.getTags().get(0).getDescription());

            Operation find = api.getPaths().get("/parcels/{id}").getGet();
            assertEquals("Where a parcel is", find.getDescription());
            assertTrue(find.getParameters().get(0).getRequired());
            Parameter speed =
                    api.getPaths().get("/parcels").getPost().getParameters().get(0);
            assertEquals("speed", speed.getName());
            assertFalse(speed.getRequired()); // a Java reference may be null
            // nested classes are named with their outer class
            assertEquals(
                    "#/components/schemas/JavaOpenApiTest.Speed",
                    speed.getSchema().get$ref());

            Schema<?> parcel = api.getComponents().getSchemas().get("JavaOpenApiTest.Parcel");
            assertEquals(
                    Set.of("id", "weight", "labels"), parcel.getProperties().keySet());
            assertEquals("Grams", parcel.getProperties().get("weight").getDescription());
            assertEquals(List.of("weight"), parcel.getRequired());
            assertTrue(api.getPaths().containsKey("/_dispatch/java-parcels/send"));

            HttpResponse<String> page = http.send(
                    HttpRequest.newBuilder(URI.create(server.getBaseUrl() + "/docs"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, page.statusCode());
        }
    }
}
