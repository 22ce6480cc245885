package io.switchboard.internal.call

import io.ktor.http.HttpHeaders
import io.switchboard.BodyType
import io.switchboard.HttpStatusException
import io.switchboard.RequestContext
import io.switchboard.ResponseInfo
import io.switchboard.Secrets.maskedPath
import io.switchboard.ServiceCallException
import io.switchboard.spi.Codec
import java.nio.charset.Charset

/** Step three of a call: the answer's body read and decoded, or a [HttpStatusException] outside 200..299. */
internal class ResponseDecoder(
    private val codec: Codec,
) {
    suspend fun decoded(
        response: Answer,
        context: RequestContext,
        type: BodyType,
    ): Any? {
        val info = context.response!!
        val bytes = response.bytes()
        if (!info.isSuccessful) {
            val text = String(bytes, charsetOf(info)).let { if (it.length > EXCERPT) it.take(EXCERPT) + "…" else it }
            throw HttpStatusException(context.serviceName, context.selectedInstance!!, context.method, context.path, info.status, text)
        }
        return try {
            decodeBody(bytes, type, codec, info)
        } catch (e: Exception) {
            val excerpt = String(bytes, charsetOf(info)).take(200)
            throw ServiceCallException(
                context.serviceName,
                context.selectedInstance,
                "could not decode the answer of ${context.method} ${context.serviceName}${maskedPath(context.path)} from " +
                    "${context.selectedInstance?.address} as $type: ${e.message} (body starts: $excerpt)",
                e,
            )
        }
    }

    private companion object {
        private const val EXCERPT = 512
    }
}

/** Decodes [bytes] into [type]: text, bytes and "no result" directly, everything else through [codec]. */
internal fun decodeBody(
    bytes: ByteArray,
    type: BodyType,
    codec: Codec,
    info: ResponseInfo,
): Any? {
    val raw = type.rawClass
    return when {
        raw == Unit::class.java -> Unit
        raw == Void::class.java || raw == Void.TYPE -> null
        raw == String::class.java -> String(bytes, charsetOf(info))
        raw == ByteArray::class.java -> bytes
        bytes.isEmpty() && type.kotlinType?.isMarkedNullable == true -> null
        else -> codec.decode(bytes, type)
    }
}

/** The charset the response's `Content-Type` names; UTF-8 when it names none or one the JVM lacks. */
internal fun charsetOf(info: ResponseInfo): Charset {
    val contentType = info.header(HttpHeaders.ContentType) ?: return Charsets.UTF_8
    val name =
        contentType
            .split(';')
            .map { it.trim() }
            .firstOrNull { it.startsWith("charset=", ignoreCase = true) }
            ?.substringAfter('=')
            ?.trim('"')
    return name?.let { runCatching { Charset.forName(it) }.getOrNull() } ?: Charsets.UTF_8
}
