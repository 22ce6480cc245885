package io.switchboard.internal.netty

import io.ktor.client.plugins.ConnectTimeoutException
import io.ktor.client.plugins.HttpRequestTimeoutException
import io.ktor.utils.io.ByteReadChannel
import io.ktor.utils.io.readRemaining
import io.netty.buffer.Unpooled
import io.netty.handler.codec.http.DefaultFullHttpRequest
import io.netty.handler.codec.http.DefaultHttpHeaders
import io.netty.handler.codec.http.EmptyHttpHeaders
import io.netty.handler.codec.http.HttpHeaderNames
import io.netty.handler.codec.http.HttpHeaderValues
import io.netty.handler.codec.http.HttpMethod
import io.netty.handler.codec.http.HttpVersion
import io.netty.handler.ssl.SslContext
import io.switchboard.RequestContext
import io.switchboard.ServiceInstance
import io.switchboard.SwitchboardHeaders
import io.switchboard.internal.HttpSettings
import io.switchboard.internal.PooledConnectionException
import io.switchboard.internal.call.Answer
import io.switchboard.internal.call.CallTransport
import io.switchboard.internal.call.Deadline
import io.switchboard.internal.call.RequestWriter
import kotlinx.io.readByteArray
import java.io.IOException
import java.net.SocketTimeoutException
import java.time.Duration
import java.util.concurrent.TimeUnit
import kotlin.coroutines.cancellation.CancellationException

/**
 * The manager's calls straight over [NettyClient], without Ktor's `HttpClient`: the request is built from
 * the call's context as Netty's, the answer read from Netty's. Failures take the shapes the rest of the
 * call path knows from the Ktor engines (Ktor's timeout exceptions, [PooledConnectionException]).
 */
internal class NettyCallTransport(
    private val client: NettyClient,
    private val writer: RequestWriter,
    private val settings: HttpSettings,
    /** The TLS context for a service's secure instances. */
    private val tlsFor: (String) -> SslContext,
) : CallTransport {
    override suspend fun <R> exchange(
        context: RequestContext,
        instance: ServiceInstance,
        url: String,
        deadline: Deadline,
        attemptTimeout: Duration?,
        block: suspend (Answer) -> R,
    ): R {
        val bounds = writer.bounds(context, deadline, attemptTimeout)
        val connectMillis = (bounds?.own?.connectTimeout ?: settings.connectTimeout).toMillis()
        val readMillis = (bounds?.own?.readTimeout ?: settings.readTimeout).toMillis()
        val exchangeMillis = bounds?.exchangeMillis ?: 0L
        val request = requestOf(context, instance, url, bounds?.headerValue)
        val tls = instance.secure
        // the exchange's bound covers connecting too: a connect cut short by it is the exchange's timeout
        val connectBound = if (exchangeMillis in 1 until connectMillis) exchangeMillis else connectMillis
        val exchangeEnd = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(exchangeMillis)
        val response =
            try {
                client.exchange(
                    Address(instance.host, instance.port, tls),
                    if (tls) tlsFor(context.serviceName) else null,
                    request,
                    connectBound,
                    TimeUnit.MILLISECONDS.toNanos(readMillis),
                    exchangeMillis,
                    exchangeEnd,
                ) { cause, reused, answered -> failureOf(cause, url, instance, reused, answered, readMillis) }
            } catch (e: io.netty.channel.ConnectTimeoutException) {
                throw if (connectBound < connectMillis) {
                    HttpRequestTimeoutException(url, exchangeMillis, e)
                } else {
                    ConnectTimeoutException(url, connectMillis, e)
                }
            }
        val answer = NettyAnswer(response)
        try {
            return block(answer)
        } finally {
            response.abort()
        }
    }

    private fun requestOf(
        context: RequestContext,
        instance: ServiceInstance,
        url: String,
        timeoutHeader: String?,
    ): DefaultFullHttpRequest {
        val headers = DefaultHttpHeaders()
        for ((name, value) in context.headers) {
            if (!name.equals("Content-Type", ignoreCase = true) && !name.equals("Content-Length", ignoreCase = true)) {
                headers.add(name, value)
            }
        }
        if (!headers.contains(HttpHeaderNames.HOST)) {
            val defaultPort = if (instance.secure) 443 else 80
            headers.set(
                HttpHeaderNames.HOST,
                if (instance.port ==
                    defaultPort
                ) {
                    instance.address.substringBeforeLast(':')
                } else {
                    instance.address
                },
            )
        }
        if (!headers.contains(HttpHeaderNames.ACCEPT_ENCODING)) headers.set(HttpHeaderNames.ACCEPT_ENCODING, HttpHeaderValues.GZIP)
        if (timeoutHeader != null) headers.set(SwitchboardHeaders.TIMEOUT, timeoutHeader)
        val method = HttpMethod.valueOf(context.method)
        val body = writer.body(context)
        val content =
            if (body == null || body.bytes.isEmpty()) Unpooled.EMPTY_BUFFER else Unpooled.wrappedBuffer(body.bytes)
        if (body != null) headers.set(HttpHeaderNames.CONTENT_TYPE, body.contentType)
        if (body != null || method == HttpMethod.POST || method == HttpMethod.PUT || method == HttpMethod.PATCH) {
            headers.set(HttpHeaderNames.CONTENT_LENGTH, content.readableBytes())
        }
        val base = instance.baseUrl
        val uri = requestTarget(if (url.startsWith(base)) url.substring(base.length).ifEmpty { "/" } else url)
        return DefaultFullHttpRequest(HttpVersion.HTTP_1_1, method, uri, content, headers, EmptyHttpHeaders.INSTANCE)
    }

    private fun failureOf(
        cause: Throwable,
        url: String,
        instance: ServiceInstance,
        reused: Boolean,
        answered: Boolean,
        readMillis: Long,
    ): Throwable =
        when {
            cause is ExchangeTimeout -> {
                HttpRequestTimeoutException(url, cause.millis, cause)
            }

            cause is ReadTimeout -> {
                SocketTimeoutException("Socket timeout has expired [url=$url, socket_timeout=$readMillis] ms").apply { initCause(cause) }
            }

            cause is CancellationException -> {
                cause
            }

            reused && !answered && cause is IOException -> {
                PooledConnectionException("the pooled connection to ${instance.address} broke before an answer: $cause", cause)
            }

            cause is IOException -> {
                cause
            }

            else -> {
                IOException("the exchange with ${instance.address} failed: $cause", cause)
            }
        }
}

/** An answer read from Netty: headers read through ([NettyHeaderMap]), the body whole or streaming. */
private class NettyAnswer(
    private val response: NettyResponse,
) : Answer {
    override val status: Int get() = response.head.status().code()

    override fun headers(): Map<String, List<String>> = NettyHeaderMap(response.head.headers())

    override suspend fun bytes(): ByteArray = response.body ?: response.stream!!.readRemaining().readByteArray()

    override fun channel(): ByteReadChannel = response.body?.let { ByteReadChannel(it) } ?: response.stream!!
}

/**
 * [pathAndQuery] as a request target: as it is when every character may stand in one (the usual case,
 * checked without allocating), else with each character that may not (controls, spaces, non-ASCII,
 * quotes, brackets) percent-encoded as UTF-8, so that nothing can break the request line.
 */
internal fun requestTarget(pathAndQuery: String): String {
    if (pathAndQuery.none(::unsafe)) return pathAndQuery
    val out = StringBuilder(pathAndQuery.length + 16)
    for (c in pathAndQuery) {
        if (!unsafe(c)) {
            out.append(c)
        } else {
            for (byte in c.toString().toByteArray(Charsets.UTF_8)) {
                out.append('%').append(HEX[(byte.toInt() shr 4) and 0xF]).append(HEX[byte.toInt() and 0xF])
            }
        }
    }
    return out.toString()
}

private const val HEX = "0123456789ABCDEF"

private fun unsafe(c: Char): Boolean = c <= ' ' || c >= '\u007f' || c in "\"<>`{}|\\^"
