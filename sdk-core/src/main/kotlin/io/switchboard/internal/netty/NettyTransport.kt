package io.switchboard.internal.netty

import io.ktor.client.engine.HttpClientEngineBase
import io.ktor.client.engine.HttpClientEngineCapability
import io.ktor.client.engine.HttpClientEngineConfig
import io.ktor.client.engine.callContext
import io.ktor.client.engine.mergeHeaders
import io.ktor.client.plugins.ConnectTimeoutException
import io.ktor.client.plugins.HttpTimeoutCapability
import io.ktor.client.plugins.SocketTimeoutException
import io.ktor.client.request.HttpRequestData
import io.ktor.client.request.HttpResponseData
import io.ktor.http.Headers
import io.ktor.http.HttpProtocolVersion
import io.ktor.http.HttpStatusCode
import io.ktor.http.Url
import io.ktor.http.encodedPath
import io.ktor.http.isSecure
import io.ktor.util.date.GMTDate
import io.ktor.utils.io.ByteReadChannel
import io.ktor.utils.io.InternalAPI
import io.netty.buffer.Unpooled
import io.netty.handler.codec.http.DefaultFullHttpRequest
import io.netty.handler.codec.http.DefaultHttpHeaders
import io.netty.handler.codec.http.EmptyHttpHeaders
import io.netty.handler.codec.http.FullHttpRequest
import io.netty.handler.codec.http.HttpHeaderNames
import io.netty.handler.codec.http.HttpMethod
import io.netty.handler.codec.http.HttpVersion
import io.switchboard.internal.HttpSettings
import io.switchboard.internal.PooledConnectionException
import io.switchboard.internal.UnconfinedEngineConfig
import io.switchboard.internal.bytesOf
import java.io.IOException
import java.util.concurrent.TimeUnit
import kotlin.coroutines.cancellation.CancellationException

/**
 * The manager's Ktor engine over [NettyClient]: the request is written from the caller's thread (handed
 * to the channel's event loop), the answer resumes the call from the event loop with no dispatcher hop of
 * the engine's own. Connect and socket timeouts run on the event loop's timer; the request timeout is
 * Ktor's HttpTimeout plugin, which cancels the call, and a cancelled call closes its channel.
 */
@OptIn(InternalAPI::class)
internal class NettyTransport(
    private val settings: HttpSettings,
    private val client: NettyClient = NettyClient(settings.connectionPoolSize, settings.keepAlive),
) : HttpClientEngineBase("switchboard-netty") {
    override val config: HttpClientEngineConfig = UnconfinedEngineConfig()

    override val supportedCapabilities: Set<HttpClientEngineCapability<*>> = setOf(HttpTimeoutCapability)

    override suspend fun execute(data: HttpRequestData): HttpResponseData {
        val callContext = callContext()
        val timeouts = data.getCapabilityOrNull(HttpTimeoutCapability)
        val connectMillis = timeouts?.connectTimeoutMillis ?: settings.connectTimeout.toMillis()
        val socketMillis = timeouts?.socketTimeoutMillis ?: settings.readTimeout.toMillis()
        val url = data.url
        val request = requestOf(data, bytesOf(data.body, callContext), url)
        val requestTime = GMTDate()
        val answer =
            try {
                client.exchange(
                    Address(url.host, url.port, url.protocol.isSecure()),
                    request,
                    if (connectMillis == Long.MAX_VALUE) 0L else connectMillis,
                    if (socketMillis == Long.MAX_VALUE) Long.MAX_VALUE else TimeUnit.MILLISECONDS.toNanos(socketMillis),
                    // Ktor's HttpTimeout plugin bounds the whole request, by cancelling it
                    0L,
                    0L,
                    callContext,
                ) { cause, reused, answered -> failureOf(cause, data, reused, answered) }
            } catch (e: io.netty.channel.ConnectTimeoutException) {
                throw ConnectTimeoutException(data, e)
            }
        val head = answer.head
        val status = head.status()
        return HttpResponseData(
            HttpStatusCode.fromValue(status.code()).let {
                if (it.description ==
                    status.reasonPhrase()
                ) {
                    it
                } else {
                    HttpStatusCode(status.code(), status.reasonPhrase())
                }
            },
            requestTime,
            NettyHeaders(head.headers()),
            if (head.protocolVersion() == HttpVersion.HTTP_1_0) HttpProtocolVersion.HTTP_1_0 else HttpProtocolVersion.HTTP_1_1,
            answer.body?.let { ByteReadChannel(it) } ?: answer.stream!!,
            callContext,
        )
    }

    private fun requestOf(
        data: HttpRequestData,
        bytes: ByteArray,
        url: Url,
    ): FullHttpRequest {
        val method = HttpMethod.valueOf(data.method.value)
        val headers = DefaultHttpHeaders()
        mergeHeaders(data.headers, data.body) { name, value ->
            if (!name.equals(HttpHeaderNames.CONTENT_LENGTH.toString(), ignoreCase = true)) headers.add(name, value)
        }
        if (!headers.contains(HttpHeaderNames.HOST)) {
            headers.set(HttpHeaderNames.HOST, if (url.port == url.protocol.defaultPort) url.host else "${url.host}:${url.port}")
        }
        if (!headers.contains(HttpHeaderNames.ACCEPT_ENCODING)) headers.set(HttpHeaderNames.ACCEPT_ENCODING, "gzip")
        if (bytes.isNotEmpty() || method == HttpMethod.POST || method == HttpMethod.PUT || method == HttpMethod.PATCH) {
            headers.set(HttpHeaderNames.CONTENT_LENGTH, bytes.size)
        }
        val query = url.encodedQuery
        val path = url.encodedPath.ifEmpty { "/" }
        val uri = if (query.isEmpty()) path else "$path?$query"
        val content = if (bytes.isEmpty()) Unpooled.EMPTY_BUFFER else Unpooled.wrappedBuffer(bytes)
        return DefaultFullHttpRequest(HttpVersion.HTTP_1_1, method, uri, content, headers, EmptyHttpHeaders.INSTANCE)
    }

    /** A read timeout becomes Ktor's socket timeout; a reused channel that broke before any answer, a [PooledConnectionException]. */
    private fun failureOf(
        cause: Throwable,
        data: HttpRequestData,
        reused: Boolean,
        answered: Boolean,
    ): Throwable =
        when {
            cause is ReadTimeout -> {
                SocketTimeoutException(data, cause)
            }

            cause is CancellationException -> {
                cause
            }

            reused && !answered && cause is IOException -> {
                PooledConnectionException(
                    "the pooled connection to ${data.url.host}:${data.url.port} broke before an answer: $cause",
                    cause,
                )
            }

            cause is IOException -> {
                cause
            }

            else -> {
                IOException("the exchange with ${data.url.host}:${data.url.port} failed: $cause", cause)
            }
        }

    override fun close() {
        super.close()
        client.close()
    }
}

/** Netty's response headers seen as Ktor [Headers], without copying; names as the server spelled them. */
private class NettyHeaders(
    private val headers: io.netty.handler.codec.http.HttpHeaders,
) : Headers {
    override val caseInsensitiveName: Boolean get() = true

    override fun getAll(name: String): List<String>? = headers.getAll(name).takeIf { it.isNotEmpty() }

    override fun names(): Set<String> = headers.names()

    override fun entries(): Set<Map.Entry<String, List<String>>> =
        headers.names().mapTo(LinkedHashSet()) { java.util.AbstractMap.SimpleImmutableEntry(it, headers.getAll(it)) }

    override fun isEmpty(): Boolean = headers.isEmpty

    override fun get(name: String): String? = headers.get(name)
}
