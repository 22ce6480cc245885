package io.switchboard.service

import io.kotest.assertions.throwables.shouldThrow
import io.kotest.assertions.withClue
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldBeEmpty
import io.kotest.matchers.collections.shouldContainAll
import io.kotest.matchers.collections.shouldContainExactly
import io.kotest.matchers.collections.shouldHaveSize
import io.kotest.matchers.collections.shouldNotBeEmpty
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.kotest.matchers.string.shouldStartWith
import io.swagger.v3.parser.OpenAPIV3Parser
import io.swagger.v3.parser.core.models.ParseOptions
import io.switchboard.auth.CallerIdentity
import io.switchboard.server.ServiceServer
import io.switchboard.server.auth.BearerTokenAuthenticator
import io.switchboard.server.host
import io.switchboard.server.openApi
import io.switchboard.server.openapi.OpenApiSettings
import kotlinx.serialization.Serializable
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.JsonArray
import kotlinx.serialization.json.JsonElement
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.JsonPrimitive
import kotlinx.serialization.json.jsonArray
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.jsonPrimitive
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse

@Serializable
enum class Shelf { FICTION, SCIENCE }

@Serializable
data class Author(
    val name: String,
    val born: Int? = null,
)

@Serializable
data class Book(
    @property:Description("The book's ISBN-13")
    val isbn: String,
    val title: String,
    val shelf: Shelf,
    val author: Author,
    val year: Int? = null,
)

@Service(name = "library", path = "/library")
@Description("Books and who has them")
interface LibraryService {
    @Description("Finds a book by its ISBN")
    @Get("/books/{isbn}")
    suspend fun find(
        @Path("isbn") isbn: String,
    ): Book?

    @Get("/books")
    suspend fun search(
        @Query("title") @Description("Part of the title") title: String?,
        @Query("limit") limit: Int,
        @Query("shelf") shelf: Shelf?,
    ): List<Book>

    @Post("/books")
    suspend fun add(book: Book): Book

    @Post("/loans")
    suspend fun lend(loan: Loan): Map<String, Long>

    @Description("How many books there are")
    suspend fun count(
        @Description("Only this shelf's; all shelves' when null") shelf: Shelf?,
    ): Long
}

class Library : LibraryService {
    override suspend fun find(isbn: String): Book? = null

    override suspend fun search(
        title: String?,
        limit: Int,
        shelf: Shelf?,
    ): List<Book> = emptyList()

    override suspend fun add(book: Book): Book = book

    override suspend fun lend(loan: Loan): Map<String, Long> = mapOf(loan.isbn to loan.days.toLong())

    override suspend fun count(shelf: Shelf?): Long = 0
}

/**
 * The OpenAPI 3.1 document of the hosted services and its Swagger UI page, as a user meets them: a document a real
 * validator accepts, with the routes, parameters, schemas and texts of the interfaces; the page and its files served
 * from the classpath; nothing when the switch is off; only authenticated callers when authentication is on.
 */
class OpenApiTest :
    FunSpec({
        val server =
            ServiceServer {
                host<PeopleService>(People("openapi"))
                host<LibraryService>(Library())
                openApi {
                    ui()
                    title("Library and people")
                    version("2.1.0")
                }
            }.startAsync().join()
        val http = HttpClient.newHttpClient()
        afterSpec { server.close() }

        fun get(
            url: String,
            headers: Map<String, String> = emptyMap(),
        ): HttpResponse<String> {
            val request = HttpRequest.newBuilder(URI.create(url)).apply { headers.forEach { (k, v) -> header(k, v) } }.build()
            return http.send(request, HttpResponse.BodyHandlers.ofString())
        }

        val text = get(server.baseUrl + "/openapi.json").body()
        val document = Json.parseToJsonElement(text).jsonObject

        fun JsonElement.at(vararg keys: String): JsonElement = keys.fold(this) { node, key -> node.jsonObject.getValue(key) }

        fun JsonElement.string(vararg keys: String): String = at(*keys).jsonPrimitive.content

        fun parameter(
            path: String,
            name: String,
        ): JsonObject =
            document
                .at("paths", path, "get", "parameters")
                .jsonArray
                .map { it.jsonObject }
                .single { it.string("name") == name }

        test("the document is OpenAPI 3.1.0 that swagger-parser reads without a message") {
            val result = OpenAPIV3Parser().readContents(text, null, ParseOptions())
            withClue(result.messages) { result.messages.shouldBeEmpty() }
            result.openAPI.openapi shouldBe "3.1.0"
            result.openAPI.info.title shouldBe "Library and people"
            result.openAPI.info.version shouldBe "2.1.0"
            result.openAPI.paths.keys shouldContainAll listOf("/api/people/{id}", "/library/books/{isbn}", "/_dispatch/library/count")
            // not a rubber stamp: the same document without info.version is refused
            val broken = JsonObject(document + ("info" to JsonObject(document.getValue("info").jsonObject - "version")))
            OpenAPIV3Parser().readContents(broken.toString(), null, ParseOptions()).messages.shouldNotBeEmpty()
        }

        test("a path parameter is required, a nullable query parameter is not, a non-null one is") {
            parameter("/library/books/{isbn}", "isbn").let {
                it.string("in") shouldBe "path"
                it["required"] shouldBe JsonPrimitive(true)
                it.at("schema") shouldBe Json.parseToJsonElement("""{"type":"string"}""")
            }
            parameter("/library/books", "title").let {
                it["required"] shouldBe JsonPrimitive(false)
                it.string("description") shouldBe "Part of the title"
            }
            parameter("/library/books", "limit").let {
                it["required"] shouldBe JsonPrimitive(true)
                it.at("schema") shouldBe Json.parseToJsonElement("""{"type":"integer","format":"int32"}""")
            }
            parameter("/library/books", "shelf").let {
                it["required"] shouldBe JsonPrimitive(false)
                it.at("schema") shouldBe Json.parseToJsonElement("""{"${'$'}ref":"#/components/schemas/Shelf"}""")
            }
            parameter("/api/people/{id}", "id")["required"] shouldBe JsonPrimitive(true)
            document
                .at("paths", "/api/whoami", "get", "parameters")
                .jsonArray
                .single()
                .string("in") shouldBe "header"
        }

        test("the types' schemas are components with their fields, nested classes referred to") {
            val schemas = document.at("components", "schemas")
            val person = schemas.at("Person")
            person.at("properties").jsonObject.keys shouldContainExactly setOf("id", "name", "address", "tags", "scores")
            person.at("required").jsonArray.map { it.jsonPrimitive.content } shouldContainExactly listOf("id", "name")
            person.at("properties", "address") shouldBe
                Json.parseToJsonElement("""{"anyOf":[{"${'$'}ref":"#/components/schemas/Address"},{"type":"null"}]}""")
            person.at("properties", "tags") shouldBe Json.parseToJsonElement("""{"type":"array","items":{"type":"string"}}""")
            person.at("properties", "scores") shouldBe
                Json.parseToJsonElement("""{"type":"object","additionalProperties":{"type":"integer","format":"int32"}}""")
            schemas.at("Address", "properties").jsonObject.keys shouldContainExactly setOf("street", "city")
            schemas.at("Book", "properties", "isbn", "description").jsonPrimitive.content shouldBe "The book's ISBN-13"
            schemas.at("Book", "properties", "year", "type") shouldBe JsonArray(listOf(JsonPrimitive("integer"), JsonPrimitive("null")))
            schemas.at("Shelf", "enum").jsonArray.map { it.jsonPrimitive.content } shouldBe listOf("FICTION", "SCIENCE")
            // a Java record, as Jackson sees it
            val loan = schemas.at("Loan")
            loan.at("properties").jsonObject.keys shouldContainExactly setOf("isbn", "reader", "days", "note", "tags")
            loan.string("properties", "reader", "description") shouldBe "Who borrows the book"
            loan.at("properties", "note", "type") shouldBe JsonArray(listOf(JsonPrimitive("string"), JsonPrimitive("null")))
            loan.at("required").jsonArray.map { it.jsonPrimitive.content } shouldBe listOf("days")
        }

        test("request bodies, results and errors have their schemas") {
            val save = document.at("paths", "/api/people", "post")
            save.string("requestBody", "content", "application/json", "schema", "\$ref") shouldBe "#/components/schemas/Person"
            save.at("requestBody", "required") shouldBe JsonPrimitive(true)
            // find answers null for an unknown id
            document.at("paths", "/api/people/{id}", "get", "responses", "200", "content", "application/json", "schema") shouldBe
                Json.parseToJsonElement("""{"anyOf":[{"${'$'}ref":"#/components/schemas/Person"},{"type":"null"}]}""")
            document.at("paths", "/api/people", "get", "responses", "200", "content", "application/json", "schema") shouldBe
                Json.parseToJsonElement("""{"type":"array","items":{"${'$'}ref":"#/components/schemas/Person"}}""")
            document.string("paths", "/api/people", "get", "responses", "400", "content", "application/json", "schema", "\$ref") shouldBe
                "#/components/schemas/Error"
            document.at("components", "schemas", "Error", "properties", "error", "required").jsonArray.map {
                it.jsonPrimitive.content
            } shouldBe listOf("type", "message", "status")
            document.at("paths", "/library/loans", "post", "responses", "200", "content", "application/json", "schema") shouldBe
                Json.parseToJsonElement("""{"type":"object","additionalProperties":{"type":"integer","format":"int64"}}""")
        }

        test("every method has its dispatch call: an array of exactly its arguments, or a binary body") {
            val search = document.at("paths", "/_dispatch/people/search", "post", "requestBody", "content")
            val arguments = search.at("application/json", "schema")
            arguments.string("type") shouldBe "array"
            arguments.at("prefixItems").jsonArray.map { it.string("title") } shouldBe listOf("name", "limit")
            arguments.at("minItems") shouldBe JsonPrimitive(2)
            arguments.at("maxItems") shouldBe JsonPrimitive(2)
            search.jsonObject.keys shouldContainAll listOf("application/msgpack", "application/x-protobuf")
            val count = document.at("paths", "/_dispatch/library/count", "post")
            count.string("summary") shouldBe "How many books there are"
            val shelf =
                count
                    .at("requestBody", "content", "application/json", "schema", "prefixItems")
                    .jsonArray
                    .single()
            shelf.string("description") shouldBe "Only this shelf's; all shelves' when null"
            shelf.at("anyOf").jsonArray shouldHaveSize 2
            val ids =
                document.at("paths").jsonObject.values.flatMap { path ->
                    path.jsonObject.values.map { it.string("operationId") }
                }
            ids.toSet() shouldHaveSize ids.size
        }

        test("each service is a tag with its description; an operation's description is its @Description") {
            val tags = document.at("tags").jsonArray.associate { it.string("name") to it.jsonObject["description"]?.jsonPrimitive?.content }
            tags shouldBe mapOf("people" to null, "library" to "Books and who has them")
            document.string("paths", "/library/books/{isbn}", "get", "description") shouldBe "Finds a book by its ISBN"
            document.at("paths", "/library/books/{isbn}", "get", "tags") shouldBe JsonArray(listOf(JsonPrimitive("library")))
        }

        test("the Swagger UI page is served from the classpath and shows the document") {
            listOf("/docs", "/docs/", "/docs/index.html").forEach { path ->
                val page = get(server.baseUrl + path)
                page.statusCode() shouldBe 200
                page.headers().firstValue("Content-Type").get() shouldStartWith "text/html"
                page.body() shouldContain "/docs/swagger-ui-bundle.js"
            }
            val bundle = get(server.baseUrl + "/docs/swagger-ui-bundle.js")
            bundle.statusCode() shouldBe 200
            bundle.headers().firstValue("Content-Type").get() shouldStartWith "application/javascript"
            bundle.body() shouldContain "SwaggerUIBundle"
            get(server.baseUrl + "/docs/swagger-ui.css").statusCode() shouldBe 200
            val start = get(server.baseUrl + "/docs/swagger-initializer.js").body()
            start shouldContain "url: \"/openapi.json\""
            start shouldContain "validatorUrl: null"
            get(server.baseUrl + "/docs/missing.js").statusCode() shouldBe 404
            get(server.baseUrl + "/docs/..%2Fpom.properties").statusCode() shouldBe 404
        }

        test("with the switch off there is neither document nor page") {
            val plain = ServiceServer { host<PeopleService>(People("plain")) }.startAsync().join()
            try {
                get(plain.baseUrl + "/openapi.json").statusCode() shouldBe 404
                get(plain.baseUrl + "/docs").statusCode() shouldBe 404
                get(plain.baseUrl + "/docs/swagger-ui-bundle.js").statusCode() shouldBe 404
            } finally {
                plain.close()
            }
            // the document alone: no page
            val documentOnly =
                ServiceServer {
                    host<PeopleService>(People("document-only"))
                    openApi(OpenApiSettings.builder().path("/api-docs/openapi.json").build())
                }.startAsync().join()
            try {
                get(documentOnly.baseUrl + "/api-docs/openapi.json").statusCode() shouldBe 200
                get(documentOnly.baseUrl + "/openapi.json").statusCode() shouldBe 404
                get(documentOnly.baseUrl + "/docs").statusCode() shouldBe 404
            } finally {
                documentOnly.close()
            }
        }

        test("with authentication on, only authenticated callers get the document and the page, unless they are public") {
            val tokens = BearerTokenAuthenticator(mapOf("t-ada" to CallerIdentity("ada", "bearer")))
            val secured =
                ServiceServer {
                    host<PeopleService>(People("secured"))
                    authenticator(tokens)
                    allowAnonymous("people", "instance")
                    openApi { ui() }
                }.startAsync().join()
            try {
                val anonymous = get(secured.baseUrl + "/openapi.json")
                anonymous.statusCode() shouldBe 401
                anonymous.headers().firstValue("WWW-Authenticate").get() shouldStartWith "Bearer"
                get(secured.baseUrl + "/docs").statusCode() shouldBe 401
                get(secured.baseUrl + "/docs/swagger-ui-bundle.js").statusCode() shouldBe 401
                get(secured.baseUrl + "/openapi.json", mapOf("Authorization" to "Bearer wrong")).statusCode() shouldBe 401
                val authenticated = get(secured.baseUrl + "/openapi.json", mapOf("Authorization" to "Bearer t-ada"))
                authenticated.statusCode() shouldBe 200
                val doc = Json.parseToJsonElement(authenticated.body())
                doc.at("components", "securitySchemes", "bearer") shouldBe
                    Json.parseToJsonElement(
                        """{"type":"http","scheme":"bearer","description":"A token the server knows, in `Authorization: Bearer <token>`."}""",
                    )
                doc.at("security") shouldBe Json.parseToJsonElement("""[{"bearer":[]}]""")
                // a method open to anonymous callers says so
                doc.at("paths", "/api/instance", "get", "security") shouldBe Json.parseToJsonElement("""[{},{"bearer":[]}]""")
                doc.at("paths", "/api/people", "get", "responses").jsonObject.keys shouldContainAll listOf("401", "403")
                withClue(authenticated.body()) {
                    OpenAPIV3Parser().readContents(authenticated.body(), null, ParseOptions()).messages.shouldBeEmpty()
                }
                get(secured.baseUrl + "/docs", mapOf("Authorization" to "Bearer t-ada")).statusCode() shouldBe 200
            } finally {
                secured.close()
            }
            val public =
                ServiceServer {
                    host<PeopleService>(People("public-docs"))
                    authenticator(tokens)
                    openApi {
                        ui()
                        allowAnonymous(true)
                    }
                }.startAsync().join()
            try {
                get(public.baseUrl + "/openapi.json").statusCode() shouldBe 200
                get(public.baseUrl + "/docs/swagger-ui-bundle.js").statusCode() shouldBe 200
                // the services themselves still need credentials
                get(public.baseUrl + "/api/people?name=a&limit=1").statusCode() shouldBe 401
            } finally {
                public.close()
            }
        }

        test("settings that cannot work are refused when built") {
            shouldThrow<IllegalArgumentException> { OpenApiSettings.builder().path("openapi.json") }.message shouldContain "path"
            shouldThrow<IllegalArgumentException> { OpenApiSettings.builder().ui("/_dispatch/docs") }
            shouldThrow<IllegalArgumentException> { OpenApiSettings.builder().ui("/docs/") }
            shouldThrow<IllegalArgumentException> {
                OpenApiSettings
                    .builder()
                    .ui("/docs")
                    .path("/docs/openapi.json")
                    .build()
            }
            shouldThrow<IllegalArgumentException> {
                ServiceServer {
                    host<PeopleService>(People("clash"))
                    openApi { path("/api/instance") }
                }
            }.message shouldContain "PeopleService.instance"
            // the settings are kept apart from their builder
            OpenApiSettings
                .builder()
                .ui()
                .build()
                .newBuilder()
                .path("/spec.json")
                .build()
                .uiPath shouldBe "/docs"
        }
    })
