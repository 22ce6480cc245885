package io.switchboard.internal.call

import io.ktor.client.plugins.timeout
import io.ktor.client.request.HttpRequestBuilder
import io.ktor.client.request.forms.FormDataContent
import io.ktor.client.request.setBody
import io.ktor.client.request.url
import io.ktor.http.ContentType
import io.ktor.http.HttpHeaders
import io.ktor.http.HttpMethod
import io.ktor.http.charset
import io.ktor.http.content.ByteArrayContent
import io.ktor.http.content.TextContent
import io.ktor.http.encodeURLQueryComponent
import io.ktor.http.formUrlEncode
import io.ktor.http.parametersOf
import io.ktor.http.withCharset
import io.switchboard.RequestBody
import io.switchboard.RequestContext
import io.switchboard.ServiceInstance
import io.switchboard.SwitchboardHeaders
import io.switchboard.spi.Codec

/** Step two of a call: the URL on the chosen instance, and the HTTP request with headers, body and the call's timeouts. */
internal class RequestWriter(
    private val codec: Codec,
    private val timeouts: TimeoutPolicy,
) {
    /** The codec that encodes JSON bodies. */
    val bodyCodec: Codec get() = codec

    /** The instance's base URL, the path and the query parameters, encoded. */
    fun url(
        instance: ServiceInstance,
        context: RequestContext,
    ): String {
        if (context.queryParameters.isEmpty()) return instance.baseUrl + context.path
        return instance.baseUrl + requestTarget(context)
    }

    /**
     * Fills [request] for [context] at [url]; the exchange may take what remains of [deadline], at most
     * [attemptTimeout], and tells the callee so in [SwitchboardHeaders.TIMEOUT].
     */
    fun write(
        request: HttpRequestBuilder,
        context: RequestContext,
        url: String,
        deadline: Deadline,
        attemptTimeout: java.time.Duration?,
    ) {
        request.method = HttpMethod.parse(context.method)
        request.url(url)
        var contentType: String? = null
        for ((name, value) in context.headers) {
            when {
                name.equals(HttpHeaders.ContentType, ignoreCase = true) -> contentType = value
                name.equals(HttpHeaders.ContentLength, ignoreCase = true) -> Unit
                else -> request.headers.append(name, value)
            }
        }
        when (val body = context.body) {
            null -> {
                Unit
            }

            is RequestBody.Json -> {
                request.setBody(
                    ByteArrayContent(
                        codec.encode(body.value, body.type),
                        type(contentType ?: codec.contentType),
                    ),
                )
            }

            is RequestBody.Form -> {
                request.setBody(FormDataContent(parametersOf(body.fields.mapValues { listOf(it.value) })))
            }

            is RequestBody.Bytes -> {
                request.setBody(ByteArrayContent(body.bytes, type(contentType ?: body.contentType)))
            }

            is RequestBody.Text -> {
                request.setBody(TextContent(body.text, type(contentType ?: body.contentType)))
            }
        }
        val bounds = bounds(context, deadline, attemptTimeout) ?: return
        val own = bounds.own
        request.timeout {
            own?.connectTimeout?.let { connectTimeoutMillis = it.toMillis() }
            own?.readTimeout?.let { socketTimeoutMillis = it.toMillis() }
            if (bounds.exchangeMillis > 0L) requestTimeoutMillis = bounds.exchangeMillis
        }
        bounds.headerValue?.let { request.headers[SwitchboardHeaders.TIMEOUT] = it }
    }

    /**
     * The attempt's bounds — the service's own connect and read timeouts, and what the exchange may take:
     * what remains of [deadline], at most [attemptTimeout] — or null when none applies. Sets the context's
     * attempt timeout when it is the shorter one.
     */
    fun bounds(
        context: RequestContext,
        deadline: Deadline,
        attemptTimeout: java.time.Duration?,
    ): AttemptBounds? {
        val own = timeouts.transportOverrides(context.serviceName)
        val remaining = deadline.remainingMillis()
        val attemptBound = attemptTimeout != null && attemptTimeout.toMillis() < remaining
        context.attemptTimeout = if (attemptBound) attemptTimeout else null
        if (own == null && !deadline.isBounded && !attemptBound) return null
        val exchangeMillis =
            when {
                attemptBound -> attemptTimeout!!.toMillis()
                deadline.isBounded -> maxOf(1L, remaining)
                else -> 0L
            }
        // what the callee may spend: a bound too long to matter is not sent
        val header = if (exchangeMillis in 1L..SwitchboardHeaders.MAX_TIMEOUT_MILLIS) exchangeMillis.toString() else null
        return AttemptBounds(own, exchangeMillis, header)
    }

    /**
     * The body of [context] as bytes and its content type (the caller's `Content-Type` header wins), null for
     * none; the same bytes [write] sends through Ktor.
     */
    fun body(context: RequestContext): EncodedBody? = encodeBody(context, codec)

    private fun type(text: String): ContentType = ContentType.parse(text)
}

/** The path and the query parameters of [context], encoded: the request target as sent (and signed). */
internal fun requestTarget(context: RequestContext): String {
    val query = context.queryParameters
    if (query.isEmpty()) return context.path
    val target = StringBuilder(context.path)
    var separator = if (context.path.contains('?')) '&' else '?'
    for ((name, values) in query) {
        for (value in values) {
            target
                .append(separator)
                .append(name.encodeURLQueryComponent())
                .append('=')
                .append(value.encodeURLQueryComponent())
            separator = '&'
        }
    }
    return target.toString()
}

/**
 * The body of [context] as bytes and its content type (the caller's `Content-Type` header wins), null for none;
 * JSON bodies encoded with [codec].
 */
internal fun encodeBody(
    context: RequestContext,
    codec: Codec,
): EncodedBody? {
    run {
        val body = context.body ?: return null
        // the context's headers are case-insensitive
        val contentType: String? = context.headers[HttpHeaders.ContentType]
        return when (body) {
            is RequestBody.Json -> {
                EncodedBody(codec.encode(body.value, body.type), contentType ?: codec.contentType)
            }

            is RequestBody.Form -> {
                EncodedBody(
                    parametersOf(body.fields.mapValues { listOf(it.value) }).formUrlEncode().toByteArray(Charsets.UTF_8),
                    ContentType.Application.FormUrlEncoded
                        .withCharset(Charsets.UTF_8)
                        .toString(),
                )
            }

            is RequestBody.Bytes -> {
                EncodedBody(body.bytes, contentType ?: body.contentType)
            }

            is RequestBody.Text -> {
                val type = ContentType.parse(contentType ?: body.contentType)
                EncodedBody(body.text.toByteArray(type.charset() ?: Charsets.UTF_8), type.toString())
            }
        }
    }
}

/**
 * One attempt's bounds: the service's own connect and read timeouts ([own], null for the manager's), the
 * whole exchange's ([exchangeMillis], 0 for none) and the [SwitchboardHeaders.TIMEOUT] value to send.
 */
internal class AttemptBounds(
    val own: io.switchboard.ServiceSettings?,
    val exchangeMillis: Long,
    val headerValue: String?,
)

/** A request body ready to send. */
internal class EncodedBody(
    val bytes: ByteArray,
    val contentType: String,
)
