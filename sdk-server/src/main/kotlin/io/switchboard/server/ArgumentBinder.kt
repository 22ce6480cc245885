package io.switchboard.server

import io.ktor.http.ContentType
import io.ktor.http.HttpStatusCode
import io.ktor.server.application.ApplicationCall
import io.ktor.server.request.contentType
import io.ktor.server.request.receiveChannel
import io.ktor.utils.io.readRemaining
import io.switchboard.BodyType
import io.switchboard.auth.RequestSignature
import io.switchboard.codec.JsonCodec
import io.switchboard.service.MethodDescriptor
import io.switchboard.service.ParameterRole
import io.switchboard.service.ServiceDescriptor
import io.switchboard.spi.Codec
import kotlinx.io.readByteArray
import kotlinx.serialization.json.JsonArray
import kotlinx.serialization.json.JsonElement
import kotlinx.serialization.json.JsonPrimitive
import java.nio.charset.Charset

/**
 * Turns a request into the arguments of a hosted method: the path, query, header and body parameters of
 * a REST route, or the elements of a dispatch-json argument array, decoded with the server's codec.
 *
 * Every function that returns null has already answered (400 naming the parameter, 413 for a body over
 * [maxBodyBytes], 415 for a body that is not JSON); the caller just returns.
 */
internal class ArgumentBinder(
    private val codec: Codec,
    private val maxBodyBytes: Long,
    private val errors: ErrorResponses,
    private val json: JsonBodyReader,
) {
    /** The arguments of REST route [method] of [descriptor]; null after answering. */
    suspend fun restArguments(
        call: ApplicationCall,
        descriptor: ServiceDescriptor,
        method: MethodDescriptor,
    ): Array<Any?>? {
        val args = arrayOfNulls<Any?>(method.parameters.size)
        method.parameters.forEachIndexed { i, p ->
            val value: Any? =
                when (p.role) {
                    ParameterRole.PATH -> {
                        scalar(call, descriptor, method, i, call.parameters[p.name]) ?: return null
                    }

                    ParameterRole.QUERY -> {
                        val values = call.request.queryParameters.getAll(p.name)
                        if (values == null) {
                            NULL
                        } else if (Collection::class.java.isAssignableFrom(p.type.rawClass)) {
                            decodeArgument(
                                call,
                                descriptor.name,
                                method,
                                i,
                                JsonArray(values.map(::JsonPrimitive)).toString().toByteArray(),
                            )
                                ?: return null
                        } else {
                            scalar(call, descriptor, method, i, values.first()) ?: return null
                        }
                    }

                    ParameterRole.HEADER -> {
                        call.request.headers[p.name]?.let { scalar(call, descriptor, method, i, it) ?: return null } ?: NULL
                    }

                    ParameterRole.BODY -> {
                        if (!isJson(call)) {
                            errors.unsupported(call)
                            return null
                        }
                        // checked, then decoded by the codec straight from the bytes: no tree in between
                        val body =
                            readJson(call, "${descriptor.name}.${method.name}") { bytes, charset -> json.check(bytes, charset) }
                                ?: return null
                        decodeArgument(call, descriptor.name, method, i, body) ?: return null
                    }
                }
            args[i] = value
        }
        return unwrapNulls(args)
    }

    /** The arguments of [method] from the elements of a dispatch-json argument [array] of the right size; null after answering. */
    suspend fun dispatchArguments(
        call: ApplicationCall,
        serviceName: String,
        method: MethodDescriptor,
        array: JsonArray,
    ): Array<Any?>? {
        val args = arrayOfNulls<Any?>(array.size)
        for (i in method.parameters.indices) {
            args[i] = decodeArgument(call, serviceName, method, i, array[i]) ?: return null
        }
        return unwrapNulls(args)
    }

    /**
     * Whether the request's body is declared JSON (or of any type, `*` `/` `*`). A body without a `Content-Type`
     * is not read as JSON: a browser page may send one to any address without asking first (no CORS preflight).
     */
    fun isJson(call: ApplicationCall): Boolean {
        if (call.request.headers["Content-Type"] == null) return false
        val type = contentTypeOf(call) ?: return false
        return type == ContentType.Any || type.match(ContentType.Application.Json)
    }

    /**
     * The JSON body of a call of [what], read strictly ([JsonBodyReader]) in the charset its `Content-Type` names
     * (UTF-8 when it names none); null after answering 413, 415 for a charset this server does not know, or 400
     * saying what is wrong with the JSON and where.
     */
    suspend fun readJson(
        call: ApplicationCall,
        what: String,
    ): JsonElement? = readJson(call, what) { bytes, charset -> json.read(bytes, charset) }

    private suspend fun <T> readJson(
        call: ApplicationCall,
        what: String,
        read: (ByteArray, Charset) -> T,
    ): T? {
        val charset = charsetOf(call) ?: return null
        val body = readBody(call) ?: return null
        return try {
            read(body, charset)
        } catch (e: MalformedJsonException) {
            call.error(HttpStatusCode.BadRequest, "MalformedBody", "the body of $what is not valid JSON: ${e.message}")
            null
        }
    }

    /** The charset a JSON body is in: UTF-8 unless its `Content-Type` names another; null after answering 415. */
    private suspend fun charsetOf(call: ApplicationCall): Charset? {
        val name = contentTypeOf(call)?.parameter("charset") ?: return Charsets.UTF_8
        val charset = runCatching { Charset.forName(name.trim('"')) }.getOrNull()
        if (charset == null) {
            call.error(
                HttpStatusCode.UnsupportedMediaType,
                "UnsupportedCharset",
                "the body's charset '${excerpt(name)}' is not one this server reads (UTF-8 is)",
            )
        }
        return charset
    }

    /** The request's content type; null when the header does not parse. */
    fun contentTypeOf(call: ApplicationCall): ContentType? = runCatching { call.request.contentType() }.getOrNull()

    /** The body, at most [maxBodyBytes]; null after answering 413. */
    suspend fun readBody(call: ApplicationCall): ByteArray? {
        val declared = call.request.headers["Content-Length"]?.toLongOrNull()
        if (declared != null && declared > maxBodyBytes) {
            call.error(HttpStatusCode.PayloadTooLarge, "PayloadTooLarge", "the body has $declared bytes (limit $maxBodyBytes)")
            return null
        }
        val bytes = call.receiveChannel().readRemaining(maxBodyBytes + 1).readByteArray()
        if (bytes.size > maxBodyBytes) {
            call.error(HttpStatusCode.PayloadTooLarge, "PayloadTooLarge", "the body has more than $maxBodyBytes bytes")
            return null
        }
        val signed = call.attributes.getOrNull(BODY_SHA256)
        if (signed != null && RequestSignature.sha256Hex(bytes) != signed) {
            // the signature was right, so the body changed on the way
            call.error(HttpStatusCode.Unauthorized, "Unauthenticated", "the body is not the one that was signed")
            return null
        }
        return bytes
    }

    /** A path, query or header text as parameter [index]'s type; null after answering 400. */
    private suspend fun scalar(
        call: ApplicationCall,
        descriptor: ServiceDescriptor,
        method: MethodDescriptor,
        index: Int,
        text: String?,
    ): Any? {
        val type = method.parameters[index].type
        if (text == null) return NULL
        if (type.rawClass == String::class.java) return text
        val asJson = runCatching { codec.decode(text.toByteArray(), type) }.getOrNull()
        return asJson ?: decodeArgument(call, descriptor.name, method, index, JsonPrimitive(text).toString().toByteArray())
    }

    /** Argument [index] decoded from JSON [bytes]; null after answering 400 naming the parameter. */
    private suspend fun decodeArgument(
        call: ApplicationCall,
        serviceName: String,
        method: MethodDescriptor,
        index: Int,
        bytes: ByteArray,
    ): Any? = decodeArgument(call, serviceName, method, index) { codec.decode(bytes, it) }

    /** Argument [index] decoded from an [element] of the parsed argument array; the JSON codec reads it as it is. */
    private suspend fun decodeArgument(
        call: ApplicationCall,
        serviceName: String,
        method: MethodDescriptor,
        index: Int,
        element: JsonElement,
    ): Any? =
        decodeArgument(call, serviceName, method, index) { type ->
            val json = codec as? JsonCodec
            if (json != null) json.decode(element, type) else codec.decode(element.toString().toByteArray(), type)
        }

    /** Argument [index] as [decode] reads it; [NULL] for a null value; null after answering 400. */
    private suspend fun decodeArgument(
        call: ApplicationCall,
        serviceName: String,
        method: MethodDescriptor,
        index: Int,
        decode: (BodyType) -> Any?,
    ): Any? {
        val parameter = method.parameters[index]
        val value =
            try {
                decode(parameter.type)
            } catch (e: Exception) {
                call.error(
                    HttpStatusCode.BadRequest,
                    "BadArgument",
                    "argument '${parameter.name}' (${index + 1} of ${method.parameters.size}) of $serviceName.${method.name} " +
                        "cannot be read as ${parameter.type.javaType.typeName}: ${e.message?.lineSequence()?.first()}",
                )
                return null
            }
        if (value == null && parameter.type.rawClass.isPrimitive) {
            call.error(
                HttpStatusCode.BadRequest,
                "BadArgument",
                "argument '${parameter.name}' of $serviceName.${method.name} must not be null",
            )
            return null
        }
        return value ?: NULL
    }

    /**
     * Whether every null in [args] is for a parameter that may be null ([io.switchboard.service.ParameterDescriptor.isNullable]);
     * false after answering 400 naming the first that may not, before the implementation of [what] runs. A [rest]
     * call's message names the query parameter, header or body that is missing.
     */
    suspend fun nullsAllowed(
        call: ApplicationCall,
        what: String,
        method: MethodDescriptor,
        args: Array<Any?>,
        rest: Boolean,
    ): Boolean {
        val index = method.parameters.indices.firstOrNull { args[it] == null && !method.parameters[it].isNullable } ?: return true
        val parameter = method.parameters[index]
        val message =
            when {
                rest && parameter.role == ParameterRole.QUERY -> "query parameter '${parameter.name}' of $what is missing"
                rest && parameter.role == ParameterRole.HEADER -> "header '${parameter.name}' of $what is missing"
                rest && parameter.role == ParameterRole.BODY -> "the body of $what is missing or null"
                else -> "argument '${parameter.name}' (${index + 1} of ${method.parameters.size}) of $what must not be null"
            }
        call.error(HttpStatusCode.BadRequest, "BadArgument", message)
        return false
    }

    private fun unwrapNulls(args: Array<Any?>): Array<Any?> {
        for (i in args.indices) if (args[i] === NULL) args[i] = null
        return args
    }

    private companion object {
        /** A decoded null, told apart from the null that means "already answered". */
        val NULL = Any()
    }
}
