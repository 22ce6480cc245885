package io.switchboard.server.openapi

import io.switchboard.ConfigurationException
import io.switchboard.auth.RequestSignature
import io.switchboard.server.auth.AccessControl
import io.switchboard.server.auth.BearerTokenAuthenticator
import io.switchboard.server.auth.HmacAuthenticator
import io.switchboard.service.BinaryDispatchFormat
import io.switchboard.service.DispatchProtocol
import io.switchboard.service.MethodDescriptor
import io.switchboard.service.ParameterDescriptor
import io.switchboard.service.ParameterRole
import io.switchboard.service.ServiceDescriptor
import kotlinx.serialization.json.JsonArray
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.JsonObjectBuilder
import kotlinx.serialization.json.JsonPrimitive
import kotlinx.serialization.json.buildJsonArray
import kotlinx.serialization.json.buildJsonObject
import kotlinx.serialization.json.put
import kotlinx.serialization.json.putJsonArray
import kotlinx.serialization.json.putJsonObject

/**
 * The OpenAPI 3.1.0 document of [services] as a server hosts them: each REST route of their annotations, each method's
 * dispatch call (`POST /_dispatch/{service}/{method}`: a JSON array of the arguments, or a MessagePack or Protocol
 * Buffers body), the JSON schemas of their types as components, the server's error body, and the authentication
 * schemes [access] uses that the document can name.
 */
internal class OpenApiDocument(
    private val services: List<ServiceDescriptor>,
    private val settings: OpenApiSettings,
    private val access: AccessControl,
) {
    private val schemas = JsonSchemas()
    private val operationIds = HashSet<String>()
    private val error = schemas.reserve(ERROR, errorSchema())
    private val securitySchemes = securitySchemes()

    /** The document. */
    fun build(): JsonObject {
        val paths = LinkedHashMap<String, LinkedHashMap<String, JsonObject>>()
        for (service in services) {
            for (method in service.methods.sortedBy { it.name }) {
                if (method.httpMethod != null) {
                    paths.getOrPut(method.path!!) { LinkedHashMap() }[method.httpMethod!!.lowercase()] = restOperation(service, method)
                }
            }
            for (method in service.methods.sortedBy { it.name }) {
                paths.getOrPut(DispatchProtocol.path(service.name, method.name)) { LinkedHashMap() }["post"] =
                    dispatchOperation(service, method)
            }
        }
        return buildJsonObject {
            put("openapi", "3.1.0")
            putJsonObject("info") {
                put("title", settings.title ?: services.joinToString(", ") { it.name })
                put("version", settings.version)
                settings.description?.let { put("description", it) }
            }
            if (settings.serverUrls.isNotEmpty()) {
                putJsonArray("servers") { settings.serverUrls.forEach { url -> add(buildJsonObject { put("url", url) }) } }
            }
            putJsonArray("tags") {
                services.forEach { service ->
                    add(
                        buildJsonObject {
                            put("name", service.name)
                            if (service.description.isNotBlank()) put("description", service.description)
                        },
                    )
                }
            }
            put("paths", JsonObject(paths.mapValues { (_, operations) -> JsonObject(operations) }))
            putJsonObject("components") {
                put("schemas", JsonObject(schemas.schemas))
                if (securitySchemes.isNotEmpty()) put("securitySchemes", JsonObject(securitySchemes))
            }
            if (securitySchemes.isNotEmpty()) put("security", requirements(anonymous = false))
        }
    }

    private fun restOperation(
        service: ServiceDescriptor,
        method: MethodDescriptor,
    ) = buildJsonObject {
        common(service, method, "${service.name}_${method.name}")
        val parameters = method.parameters.filter { it.role != ParameterRole.BODY }
        if (parameters.isNotEmpty()) {
            putJsonArray("parameters") {
                parameters.forEach { p ->
                    add(
                        buildJsonObject {
                            put("name", p.name)
                            put("in", p.role.name.lowercase())
                            put("required", p.role == ParameterRole.PATH || !p.isNullable)
                            p.description?.let { put("description", it) }
                            put("schema", schemas.of(p.type))
                        },
                    )
                }
            }
        }
        method.parameters.firstOrNull { it.role == ParameterRole.BODY }?.let { body ->
            putJsonObject("requestBody") {
                put("required", !body.isNullable)
                body.description?.let { put("description", it) }
                putJsonObject("content") { putJsonObject(JSON) { put("schema", schemas.of(body.type, body.isNullable)) } }
            }
        }
        put("responses", responses(service, method, emptyList(), hasBody = method.parameters.any { it.role == ParameterRole.BODY }))
    }

    private fun dispatchOperation(
        service: ServiceDescriptor,
        method: MethodDescriptor,
    ) = buildJsonObject {
        common(service, method, "${service.name}_${method.name}_dispatch", dispatch = true)
        val binary = BinaryDispatchFormat.entries.filter { supports(it, method) }.map { it.contentType }
        putJsonObject("requestBody") {
            put("required", true)
            put(
                "description",
                "The arguments in the order of the parameters (${method.parameters.joinToString { it.name }})" +
                    (if (binary.isEmpty()) "" else "; or encoded as ${binary.joinToString(" or ")}, answered in kind") + ".",
            )
            putJsonObject("content") {
                putJsonObject(JSON) { put("schema", arguments(method.parameters)) }
                binary.forEach { putJsonObject(it) { put("schema", BINARY) } }
            }
        }
        put("responses", responses(service, method, binary, hasBody = true))
    }

    /** The tags, id, texts and security of an operation of [method]. */
    private fun JsonObjectBuilder.common(
        service: ServiceDescriptor,
        method: MethodDescriptor,
        id: String,
        dispatch: Boolean = false,
    ) {
        putJsonArray("tags") { add(JsonPrimitive(service.name)) }
        put("operationId", uniqueId(id))
        val what = if (dispatch) "dispatch call of ${method.qualifiedName}" else method.qualifiedName
        put(
            "summary",
            method.description
                ?.lineSequence()
                ?.first()
                ?.takeIf { it.isNotBlank() } ?: what,
        )
        method.description?.let { put("description", if (dispatch) "$it\n\nThe $what." else it) }
        if (securitySchemes.isNotEmpty() && access.check(service.name, method.name, null) == null) {
            put("security", requirements(anonymous = true))
        }
    }

    /** The dispatch-json body: an array of exactly the arguments, each of its parameter's type. */
    private fun arguments(parameters: List<ParameterDescriptor>) =
        buildJsonObject {
            put("type", "array")
            put(
                "prefixItems",
                JsonArray(
                    parameters.map { p ->
                        val schema = schemas.of(p.type, p.isNullable)
                        JsonObject(schema + ("title" to JsonPrimitive(p.name))).let { JsonSchemas.described(it, p.description) }
                    },
                ),
            )
            put("minItems", parameters.size)
            put("maxItems", parameters.size)
        }

    private fun responses(
        service: ServiceDescriptor,
        method: MethodDescriptor,
        binary: List<String>,
        hasBody: Boolean,
    ) = buildJsonObject {
        putJsonObject("200") {
            put("description", "The result of ${method.qualifiedName}.")
            putJsonObject("content") {
                putJsonObject(JSON) { put("schema", schemas.of(method.resultType, method.isResultNullable)) }
                binary.forEach { putJsonObject(it) { put("schema", BINARY) } }
            }
        }
        put("400", errorResponse("The arguments are missing or malformed; the message names the parameter."))
        if (access.enabled && access.check(service.name, method.name, null) != null) {
            put("401", errorResponse("No credentials, or wrong ones."))
            put("403", errorResponse("The caller lacks a role the method needs."))
        }
        if (hasBody) {
            put("413", errorResponse("The body is larger than the server accepts."))
            put("415", errorResponse("The body's content type is not one of the operation's."))
        }
        put("500", errorResponse("The implementation failed; the answer carries the error id the server logged it under."))
        put("503", errorResponse("The server is shutting down; the call was not run and may be sent to another instance."))
        put("504", errorResponse("The call's deadline (header Switchboard-Timeout) passed; the implementation was cancelled."))
    }

    private fun errorResponse(description: String) =
        buildJsonObject {
            put("description", description)
            putJsonObject("content") { putJsonObject(JSON) { put("schema", error) } }
        }

    private fun supports(
        format: BinaryDispatchFormat,
        method: MethodDescriptor,
    ): Boolean =
        try {
            format.check(method)
            true
        } catch (_: ConfigurationException) {
            false
        }

    private fun uniqueId(id: String): String {
        val base = id.replace(Regex("[^A-Za-z0-9_]"), "_")
        return generateSequence(1) { it + 1 }.map { if (it == 1) base else "${base}_$it" }.first { operationIds.add(it) }
    }

    /** Any of the schemes, or (for an operation open to anonymous callers, [anonymous]) none. */
    private fun requirements(anonymous: Boolean) =
        buildJsonArray {
            if (anonymous) add(JsonObject(emptyMap()))
            securitySchemes.keys.forEach { name -> add(buildJsonObject { put(name, JsonArray(emptyList())) }) }
        }

    /** The schemes of the authenticators the document can describe; an application's own are left out. */
    private fun securitySchemes(): Map<String, JsonObject> {
        val schemes = LinkedHashMap<String, JsonObject>()
        if (access.authenticators.any { it is BearerTokenAuthenticator }) {
            schemes["bearer"] =
                buildJsonObject {
                    put("type", "http")
                    put("scheme", "bearer")
                    put("description", "A token the server knows, in `Authorization: Bearer <token>`.")
                }
        }
        if (access.authenticators.any { it is HmacAuthenticator }) {
            schemes["switchboardSignature"] =
                buildJsonObject {
                    put("type", "apiKey")
                    put("in", "header")
                    put("name", RequestSignature.SIGNATURE)
                    put(
                        "description",
                        "Switchboard's signed requests (a caller's `SigningInterceptor`): an HMAC-SHA256 of the method, host, " +
                            "path and query, timestamp, nonce and body hash, with the headers ${RequestSignature.KEY_ID}, " +
                            "${RequestSignature.TIMESTAMP}, ${RequestSignature.NONCE} and ${RequestSignature.CONTENT_SHA256}.",
                    )
                }
        }
        return schemes
    }

    private fun errorSchema() =
        buildJsonObject {
            put("type", "object")
            put("description", "The body of every error answer.")
            putJsonObject("properties") {
                putJsonObject("error") {
                    put("type", "object")
                    putJsonObject("properties") {
                        putJsonObject("type") {
                            put("type", "string")
                            put("description", "What went wrong, such as BadArgument, NotFound or InternalError.")
                        }
                        putJsonObject("message") { put("type", "string") }
                        putJsonObject("status") {
                            put("type", "integer")
                            put("description", "The HTTP status.")
                        }
                        putJsonObject("id") {
                            put("type", "string")
                            put("description", "The error id the server logged a failure under (on 500 answers).")
                        }
                    }
                    put("required", JsonArray(listOf("type", "message", "status").map(::JsonPrimitive)))
                }
            }
            put("required", JsonArray(listOf(JsonPrimitive("error"))))
        }

    private companion object {
        const val ERROR = "Error"
        const val JSON = "application/json"
        val BINARY = JsonSchemas.string("binary")
    }
}
