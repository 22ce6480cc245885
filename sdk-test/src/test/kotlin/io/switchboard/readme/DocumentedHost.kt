package io.switchboard.readme

// README:begin kotlin-openapi
import io.switchboard.server.ServiceServer
import io.switchboard.server.host
import io.switchboard.server.openApi
import io.switchboard.service.Description
import io.switchboard.service.Get
import io.switchboard.service.Path
import io.switchboard.service.Service

@Service(name = "catalog", path = "/catalog")
@Description("What the shop sells")
interface Catalog {
    @Get("/items/{sku}")
    @Description("One item, by its stock-keeping unit")
    suspend fun item(
        @Path("sku") @Description("The item's SKU") sku: String,
    ): String
}

suspend fun documentedCatalog(catalog: Catalog): ServiceServer =
    ServiceServer {
        host<Catalog>(catalog)
        openApi {
            // GET /openapi.json: the OpenAPI 3.1 document
            ui() // GET /docs: Swagger UI, from org.webjars:swagger-ui on the classpath
            title("Shop")
            version("1.4.0")
        }
    }.start()
// README:end
