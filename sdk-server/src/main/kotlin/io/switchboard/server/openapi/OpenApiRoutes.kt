package io.switchboard.server.openapi

import io.ktor.http.ContentType
import io.ktor.http.HttpHeaders
import io.ktor.http.HttpStatusCode
import io.ktor.server.application.ApplicationCall
import io.ktor.server.response.header
import io.ktor.server.response.respondBytes
import io.ktor.server.routing.Routing
import io.ktor.server.routing.get
import io.switchboard.server.CALLER
import io.switchboard.server.ErrorResponses
import io.switchboard.server.ObservedRoute
import io.switchboard.server.ROUTE
import io.switchboard.server.auth.AccessControl
import io.switchboard.server.error
import io.switchboard.service.ServiceDescriptor

/**
 * The routes [settings] asks for: `GET` of the OpenAPI document of [services], and of the Swagger UI page and its
 * files. With authentication on, they answer only authenticated callers (401 to the others, as any hosted path does)
 * unless the settings allow anonymous ones.
 */
internal class OpenApiRoutes(
    services: List<ServiceDescriptor>,
    private val settings: OpenApiSettings,
    private val access: AccessControl,
    private val errors: ErrorResponses,
) {
    private val ui = settings.uiPath?.let { SwaggerUi(it, settings.path) }

    private val document: ByteArray by lazy { OpenApiDocument(services, settings, access).build().toString().toByteArray() }

    /** Adds the routes to [routing]. */
    fun install(routing: Routing) {
        with(routing) {
            get(settings.path) { if (admitted(call, settings.path)) call.respondBytes(document, ContentType.Application.Json) }
            val ui = ui ?: return
            val page = settings.uiPath!!
            get(page) { if (admitted(call, page)) call.respondBytes(ui.index, ContentType.Text.Html) }
            get("$page/") { if (admitted(call, page)) call.respondBytes(ui.index, ContentType.Text.Html) }
            get("$page/index.html") { if (admitted(call, page)) call.respondBytes(ui.index, ContentType.Text.Html) }
            get("$page/{file}") {
                if (!admitted(call, "$page/{file}")) return@get
                val name = call.parameters["file"]!!
                val (bytes, type) =
                    ui.file(name) ?: return@get call.error(HttpStatusCode.NotFound, "NotFound", "no file '${name.take(64)}' in $page")
                call.response.header(HttpHeaders.CacheControl, "max-age=3600")
                call.respondBytes(bytes, type)
            }
        }
    }

    /** Whether the caller may read the document and the page; false after answering 401. */
    private suspend fun admitted(
        call: ApplicationCall,
        template: String,
    ): Boolean {
        call.attributes.put(ROUTE, ObservedRoute(template, null, null))
        if (!access.enabled || settings.allowAnonymous || call.attributes.contains(CALLER)) return true
        errors.unauthenticated(call, "this server needs credentials (${access.challenges.joinToString(" or ")})", access.challenges)
        return false
    }
}
