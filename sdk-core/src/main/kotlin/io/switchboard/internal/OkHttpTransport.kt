package io.switchboard.internal

import io.ktor.client.engine.HttpClientEngineBase
import io.ktor.client.engine.HttpClientEngineCapability
import io.ktor.client.engine.HttpClientEngineConfig
import io.ktor.client.engine.callContext
import io.ktor.client.engine.mergeHeaders
import io.ktor.client.plugins.ConnectTimeoutException
import io.ktor.client.plugins.HttpTimeoutCapability
import io.ktor.client.plugins.HttpTimeoutConfig
import io.ktor.client.plugins.SocketTimeoutException
import io.ktor.client.request.HttpRequestData
import io.ktor.client.request.HttpResponseData
import io.ktor.http.Headers
import io.ktor.http.HttpHeaders
import io.ktor.http.HttpProtocolVersion
import io.ktor.http.HttpStatusCode
import io.ktor.http.Url
import io.ktor.http.content.OutgoingContent
import io.ktor.util.date.GMTDate
import io.ktor.utils.io.ByteChannel
import io.ktor.utils.io.ByteReadChannel
import io.ktor.utils.io.InternalAPI
import io.ktor.utils.io.readRemaining
import io.ktor.utils.io.writeFully
import io.ktor.utils.io.writer
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.GlobalScope
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.ensureActive
import kotlinx.coroutines.job
import kotlinx.coroutines.launch
import kotlinx.coroutines.suspendCancellableCoroutine
import kotlinx.io.readByteArray
import okhttp3.Call
import okhttp3.Callback
import okhttp3.EventListener
import okhttp3.HttpUrl
import okhttp3.MediaType.Companion.toMediaTypeOrNull
import okhttp3.OkHttpClient
import okhttp3.Protocol
import okhttp3.Request
import okhttp3.RequestBody.Companion.toRequestBody
import okhttp3.Response
import okhttp3.internal.http.HttpMethod
import java.io.IOException
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.TimeUnit
import kotlin.coroutines.CoroutineContext
import kotlin.coroutines.resume
import kotlin.coroutines.resumeWithException

/** Bodies up to this size are read whole on OkHttp's thread; longer ones stream. */
private const val BUFFERED_BODY_LIMIT = 1L shl 20

/** Instances come and go; the per-instance URL cache starts over past this size. */
private const val MAX_CACHED_BASES = 1_024

/**
 * The manager's Ktor engine over OkHttp, built for many small request/response calls:
 *
 * - a call is enqueued on OkHttp's dispatcher and its continuation resumed from OkHttp's callback, so a call
 *   crosses threads twice (to OkHttp and back to the caller), where Ktor's own OkHttp engine also hops to its
 *   dispatcher and copies the body through a coroutine;
 * - a response body up to 1 MiB (sized, chunked or gunzipped) is read whole on OkHttp's thread; a longer
 *   one streams through a channel filled on `Dispatchers.IO`, and cancelling the call cancels the OkHttp
 *   call and closes the response;
 * - request bodies are sent from memory (the manager's bodies are encoded bytes; channel contents are read
 *   first);
 * - connect and socket timeouts of a call select an OkHttp client that shares the pool and dispatcher of
 *   [client]; the request timeout is Ktor's HttpTimeout plugin, which cancels the call.
 *
 * (InternalCoroutinesApi: `invokeOnCompletion(onCancelling = true)`, as Ktor's own engines use it, so that a
 * cancelled call cancels the OkHttp call at once.)
 */
@OptIn(InternalAPI::class, kotlinx.coroutines.InternalCoroutinesApi::class)
internal class OkHttpTransport(
    base: OkHttpClient,
) : HttpClientEngineBase("switchboard-okhttp") {
    // the same pool and dispatcher; the listener tells a connect timeout from a read timeout
    private val client: OkHttpClient = base.newBuilder().eventListenerFactory(ConnectionPhases).build()

    override val config: HttpClientEngineConfig = UnconfinedEngineConfig()

    override val supportedCapabilities: Set<HttpClientEngineCapability<*>> = setOf(HttpTimeoutCapability)

    private val withTimeouts = ConcurrentHashMap<Pair<Long?, Long?>, OkHttpClient>()

    private val bases = ConcurrentHashMap<BaseKey, HttpUrl>()

    private data class BaseKey(
        val scheme: String,
        val host: String,
        val port: Int,
    )

    override suspend fun execute(data: HttpRequestData): HttpResponseData {
        val callContext = callContext()
        val request = toOkHttp(data, callContext)
        val call = clientFor(data.getCapabilityOrNull(HttpTimeoutCapability)).newCall(request)
        val requestTime = GMTDate()
        // the call's job outlives this function while the body streams: cancelling it cancels the OkHttp call
        callContext.job.invokeOnCompletion(onCancelling = true) { if (it != null) call.cancel() }
        return suspendCancellableCoroutine { continuation ->
            continuation.invokeOnCancellation { call.cancel() }
            call.enqueue(
                object : Callback {
                    override fun onFailure(
                        call: Call,
                        e: IOException,
                    ) {
                        continuation.resumeWithException(mapFailure(e, data, ConnectionPhases.of(call)))
                    }

                    override fun onResponse(
                        call: Call,
                        response: Response,
                    ) {
                        val answer =
                            try {
                                responseData(response, requestTime, callContext, data)
                            } catch (e: Throwable) {
                                // anything thrown here would end on OkHttp's thread and leave the caller waiting
                                response.close()
                                continuation.resumeWithException(
                                    if (e is IOException) mapFailure(e, data, phase = null) else e,
                                )
                                return
                            }
                        continuation.resume(answer) { _, _, _ -> response.close() }
                    }
                },
            )
        }
    }

    private fun clientFor(timeouts: HttpTimeoutConfig?): OkHttpClient {
        val connect = timeouts?.connectTimeoutMillis
        val socket = timeouts?.socketTimeoutMillis
        // HttpTimeout fills in the manager's own timeouts on every call: those are the base client's, no lookup needed
        if ((connect == null || okHttpMillis(connect) == client.connectTimeoutMillis.toLong()) &&
            (socket == null || okHttpMillis(socket) == client.readTimeoutMillis.toLong())
        ) {
            return client
        }
        if (withTimeouts.size > MAX_CACHED_BASES) withTimeouts.clear()
        return withTimeouts.getOrPut(connect to socket) {
            client
                .newBuilder()
                .apply {
                    connect?.let { connectTimeout(okHttpMillis(it), TimeUnit.MILLISECONDS) }
                    socket?.let {
                        readTimeout(okHttpMillis(it), TimeUnit.MILLISECONDS)
                        writeTimeout(okHttpMillis(it), TimeUnit.MILLISECONDS)
                    }
                }.build()
        }
    }

    private suspend fun toOkHttp(
        data: HttpRequestData,
        callContext: CoroutineContext,
    ): Request {
        val builder = Request.Builder().url(httpUrlOf(data.url)).tag(CallPhase::class.java, CallPhase())
        mergeHeaders(data.headers, data.body) { name, value ->
            if (name != HttpHeaders.ContentLength) builder.addHeader(name, value)
        }
        val method = data.method.value
        val body =
            if (HttpMethod.permitsRequestBody(method)) {
                val bytes = bytesOf(data.body, callContext)
                val type =
                    data.body.contentType
                        ?.toString()
                        ?.toMediaTypeOrNull()
                if (bytes.isEmpty() && !HttpMethod.requiresRequestBody(method)) null else bytes.toRequestBody(type)
            } else {
                null
            }
        return builder.method(method, body).build()
    }

    /** OkHttp's URL for [url], from a cached base per scheme, host and port (OkHttp canonicalizes hosts on every parse). */
    private fun httpUrlOf(url: Url): HttpUrl {
        if (bases.size > MAX_CACHED_BASES) bases.clear()
        val base =
            bases.getOrPut(BaseKey(url.protocol.name, url.host, url.port)) {
                HttpUrl
                    .Builder()
                    .scheme(url.protocol.name)
                    .host(url.host)
                    .port(url.port)
                    .build()
            }
        val query = url.encodedQuery
        return base
            .newBuilder()
            .encodedPath(url.encodedPath.ifEmpty { "/" })
            .encodedQuery(query.ifEmpty { null })
            .build()
    }

    private fun responseData(
        response: Response,
        requestTime: GMTDate,
        callContext: CoroutineContext,
        data: HttpRequestData,
    ): HttpResponseData {
        val source = response.body.source()
        // read up to the limit here, sized or not (chunked, or gunzipped by OkHttp); only a longer body streams
        val content: ByteReadChannel =
            if (!source.request(BUFFERED_BODY_LIMIT + 1)) {
                ByteReadChannel(source.readByteArray()).also { response.close() }
            } else {
                stream(response, callContext, data)
            }
        return HttpResponseData(
            HttpStatusCode(response.code, response.message),
            requestTime,
            OkHttpHeaders(response.headers),
            response.protocol.toKtor(),
            content,
            callContext,
        )
    }

    @OptIn(kotlinx.coroutines.DelicateCoroutinesApi::class)
    private fun stream(
        response: Response,
        callContext: CoroutineContext,
        data: HttpRequestData,
    ): ByteReadChannel {
        // closed however the call ends, even if the copier below never gets to run
        callContext.job.invokeOnCompletion { response.close() }
        return GlobalScope
            .writer(callContext + Dispatchers.IO) {
                response.body.source().use { source ->
                    val buffer = ByteArray(8192)
                    while (true) {
                        ensureActive()
                        val read =
                            try {
                                source.read(buffer)
                            } catch (e: IOException) {
                                throw mapFailure(e, data, phase = null)
                            }
                        if (read < 0) break
                        channel.writeFully(buffer, 0, read)
                        channel.flush()
                    }
                }
            }.channel
    }

    override fun close() {
        super.close()
        client.dispatcher.executorService.shutdown()
        client.connectionPool.evictAll()
    }
}

/** OkHttp treats 0 as "no timeout"; Ktor uses Long.MAX_VALUE for that. */
private fun okHttpMillis(millis: Long): Long = if (millis == Long.MAX_VALUE) 0 else millis

/**
 * A timeout while connecting becomes Ktor's connect timeout, any other one its socket (read) timeout. A
 * [phase] is given for failures before the response arrived; null once it did.
 */
private fun mapFailure(
    e: IOException,
    data: HttpRequestData,
    phase: CallPhase?,
): Throwable {
    val whileConnecting = phase?.connected == false
    return when {
        e is java.net.SocketTimeoutException -> {
            if (whileConnecting) ConnectTimeoutException(data, e) else SocketTimeoutException(data, e)
        }

        // an idle connection from the pool broke before any answer: most often the server had closed it
        phase != null && phase.connected && !phase.opened && e !is java.net.ConnectException -> {
            PooledConnectionException("the pooled connection to ${data.url.host}:${data.url.port} broke before an answer: $e", e)
        }

        // a refusal after the call had a connection does not mean the request never left
        (e is java.net.ConnectException || e.suppressed.isNotEmpty()) && !whileConnecting -> {
            IOException("the connection failed after the request may have been sent: $e", e)
        }

        else -> {
            e
        }
    }
}

/** Whether a call got its connection: a timeout before that is a connect timeout, one after it a read timeout. */
private class CallPhase {
    @Volatile
    var connected: Boolean = false

    /** Whether the call opened its connection itself (false when it took an idle one from the pool). */
    @Volatile
    var opened: Boolean = false
}

/**
 * Marks each call's [CallPhase] when it acquires a connection, so that a timeout is classified by the
 * phase it happened in rather than by its message. One listener serves every call.
 */
private object ConnectionPhases :
    EventListener(),
    EventListener.Factory {
    override fun create(call: Call): EventListener = this

    override fun connectStart(
        call: Call,
        inetSocketAddress: java.net.InetSocketAddress,
        proxy: java.net.Proxy,
    ) {
        call.request().tag(CallPhase::class.java)?.opened = true
    }

    override fun connectionAcquired(
        call: Call,
        connection: okhttp3.Connection,
    ) {
        call.request().tag(CallPhase::class.java)?.connected = true
    }

    /** The phase of [call]; null for a request made without one. */
    fun of(call: Call): CallPhase? = call.request().tag(CallPhase::class.java)
}

private fun Protocol.toKtor(): HttpProtocolVersion =
    when (this) {
        Protocol.HTTP_1_0 -> HttpProtocolVersion.HTTP_1_0
        Protocol.HTTP_2, Protocol.H2_PRIOR_KNOWLEDGE -> HttpProtocolVersion.HTTP_2_0
        else -> HttpProtocolVersion.HTTP_1_1
    }

/** OkHttp's response headers seen as Ktor [Headers], without copying. */
private class OkHttpHeaders(
    private val headers: okhttp3.Headers,
) : Headers {
    override val caseInsensitiveName: Boolean get() = true

    override fun getAll(name: String): List<String>? = headers.values(name).takeIf { it.isNotEmpty() }

    override fun names(): Set<String> = headers.names()

    // names as the server spelled them (OkHttp's toMultimap() lowercases them)
    override fun entries(): Set<Map.Entry<String, List<String>>> =
        headers.names().mapTo(LinkedHashSet()) { java.util.AbstractMap.SimpleImmutableEntry(it, headers.values(it)) }

    override fun isEmpty(): Boolean = headers.size == 0

    // the first value, as Ktor's other engines answer (OkHttp's get() gives the last)
    override fun get(name: String): String? = headers.values(name).firstOrNull()
}
