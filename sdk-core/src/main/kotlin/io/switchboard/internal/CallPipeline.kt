package io.switchboard.internal

import io.ktor.client.HttpClient
import io.ktor.client.network.sockets.ConnectTimeoutException
import io.ktor.client.plugins.HttpRequestTimeoutException
import io.ktor.client.plugins.timeout
import io.ktor.client.request.forms.FormDataContent
import io.ktor.client.request.prepareRequest
import io.ktor.client.request.setBody
import io.ktor.client.request.url
import io.ktor.client.statement.HttpResponse
import io.ktor.client.statement.readRawBytes
import io.ktor.http.ContentType
import io.ktor.http.HttpHeaders
import io.ktor.http.HttpMethod
import io.ktor.http.content.ByteArrayContent
import io.ktor.http.content.TextContent
import io.ktor.http.encodeURLQueryComponent
import io.ktor.http.parametersOf
import io.switchboard.BodyType
import io.switchboard.HttpStatusException
import io.switchboard.InvalidRequestException
import io.switchboard.NoInstanceAvailableException
import io.switchboard.RequestBody
import io.switchboard.RequestContext
import io.switchboard.RequestOptions
import io.switchboard.ResponseInfo
import io.switchboard.ServiceCallException
import io.switchboard.ServiceInstance
import io.switchboard.ServiceSettings
import io.switchboard.ServiceTimeoutException
import io.switchboard.SwitchboardException
import io.switchboard.TimeoutKind
import io.switchboard.interceptor.LoggingInterceptor.Companion.maskedPath
import io.switchboard.spi.Codec
import io.switchboard.spi.LoadBalancer
import io.switchboard.spi.ServiceDiscovery
import kotlinx.coroutines.NonCancellable
import kotlinx.coroutines.sync.Semaphore
import kotlinx.coroutines.withContext
import kotlinx.coroutines.withTimeoutOrNull
import org.slf4j.LoggerFactory
import java.io.IOException
import java.nio.charset.Charset
import java.util.concurrent.ConcurrentHashMap
import kotlin.coroutines.cancellation.CancellationException

/**
 * One call, end to end: context, interceptors, discovery, load balancing, the HTTP exchange, decoding
 * and error translation. The manager's public methods all come here.
 */
internal class CallPipeline(
    private val client: HttpClient,
    private val discovery: ServiceDiscovery,
    private val balancerFor: (String) -> LoadBalancer,
    private val serviceSettings: Map<String, ServiceSettings>,
    private val interceptors: InterceptorChain,
    private val codec: Codec,
    private val settings: HttpSettings,
) {
    private val eligible = ConcurrentHashMap<String, EligibleView>()

    /** One permit per pooled connection: a call holds one from sending until its body is read. */
    private val connections = Semaphore(settings.connectionPoolSize)

    suspend fun <R> execute(
        method: String,
        serviceName: String,
        path: String,
        options: RequestOptions,
        attributes: Map<String, Any> = emptyMap(),
        handle: suspend (HttpResponse, RequestContext) -> R,
    ): R {
        validate(serviceName, path)
        val context = RequestContext(method, serviceName, path, options)
        if (attributes.isNotEmpty()) context.attributes.putAll(attributes)
        val chain = interceptors.snapshot
        try {
            for (interceptor in chain) interceptor.beforeRequest(context)
            if (context.path != path) validate(serviceName, context.path)
            val instance = choose(context)
            context.selectedInstance = instance
            context.protocol = instance.scheme
            val url = resolveUrl(instance, context)
            context.resolvedUrl = url
            acquireConnection(context)
            val result =
                try {
                    client.prepareRequest { build(this, context, url) }.execute { response ->
                        context.markResponse()
                        context.response = ResponseInfo(response.status.value, headersOf(response))
                        handle(response, context)
                    }
                } finally {
                    connections.release()
                }
            context.result = result
            context.markEnd()
            for (interceptor in chain) interceptor.afterResponse(context)
            return result
        } catch (e: Throwable) {
            val failure = translate(e, context)
            context.exception = failure
            context.markEnd()
            withContext(NonCancellable) {
                for (interceptor in chain) {
                    try {
                        interceptor.handleException(context)
                    } catch (inner: Throwable) {
                        log.warn("Interceptor {} failed in handleException: {}", interceptor.name, inner.toString())
                    }
                }
            }
            throw failure
        }
    }

    /**
     * Takes a connection permit, waiting at most the call's request timeout. A raw block that makes
     * calls of its own holds its permit meanwhile, so such nesting needs spare pool capacity.
     */
    private suspend fun acquireConnection(context: RequestContext) {
        if (connections.tryAcquire()) return
        val limit = context.timeout ?: serviceSettings[context.serviceName]?.requestTimeout ?: settings.requestTimeout
        if (limit == null) {
            connections.acquire()
            return
        }
        var acquired = false
        withTimeoutOrNull(limit.toMillis()) {
            connections.acquire()
            acquired = true
        }
        if (!acquired) {
            throw ServiceTimeoutException(context.serviceName, context.selectedInstance, TimeoutKind.REQUEST, limit, null)
        }
    }

    /** Reads the body and decodes it, or fails with [HttpStatusException] outside 200..299. */
    suspend fun decoded(
        response: HttpResponse,
        context: RequestContext,
        type: BodyType,
    ): Any? {
        val info = context.response!!
        val bytes = response.readRawBytes()
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

    private fun validate(
        serviceName: String,
        path: String,
    ) {
        if (serviceName.isBlank()) throw InvalidRequestException("service name is blank (expected: the name of a registered service)")
        if (!path.startsWith("/")) {
            throw InvalidRequestException("path '$path' of a call to $serviceName does not start with '/' (expected: '/$path')")
        }
    }

    private suspend fun choose(context: RequestContext): ServiceInstance {
        val serviceName = context.serviceName
        val all = discovery.instances(serviceName)
        val candidates = eligibleOf(serviceName, all)
        if (candidates.isEmpty()) throw noInstance(serviceName, all)
        return balancerFor(serviceName).choose(candidates, context)
    }

    /** The eligible instances of [all], as one stable list object per registry version. */
    private fun eligibleOf(
        serviceName: String,
        all: List<ServiceInstance>,
    ): List<ServiceInstance> {
        val cached = eligible[serviceName]
        if (cached != null && cached.source === all) return cached.eligible
        val view = EligibleView(all, if (all.all { it.isEligible }) all else all.filter { it.isEligible })
        eligible[serviceName] = view
        return view.eligible
    }

    private fun noInstance(
        serviceName: String,
        all: List<ServiceInstance>,
    ): NoInstanceAvailableException {
        val message =
            if (all.isEmpty()) {
                val known = discovery.knownServices()
                val hint = closest(serviceName, known)?.let { " Did you mean '$it'?" } ?: ""
                "no instances of service '$serviceName' are registered in ${discovery.description}." + hint +
                    (if (known.isNotEmpty()) " Known services: ${known.sorted().joinToString(", ")}." else "") +
                    " Register an instance or check the service name."
            } else {
                "service '$serviceName' has ${all.size} instance(s) but none is healthy with a weight above 0: " +
                    all.joinToString(", ") + ". Mark one healthy or give it a weight."
            }
        return NoInstanceAvailableException(serviceName, all, message)
    }

    private fun resolveUrl(
        instance: ServiceInstance,
        context: RequestContext,
    ): String {
        val query = context.queryParameters
        if (query.isEmpty()) return instance.baseUrl + context.path
        val url = StringBuilder(instance.baseUrl).append(context.path)
        var separator = if (context.path.contains('?')) '&' else '?'
        for ((name, values) in query) {
            for (value in values) {
                url
                    .append(separator)
                    .append(name.encodeURLQueryComponent())
                    .append('=')
                    .append(value.encodeURLQueryComponent())
                separator = '&'
            }
        }
        return url.toString()
    }

    private fun build(
        request: io.ktor.client.request.HttpRequestBuilder,
        context: RequestContext,
        url: String,
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
                request.setBody(ByteArrayContent(codec.encode(body.value, body.type), ContentType.parse(contentType ?: codec.contentType)))
            }

            is RequestBody.Form -> {
                request.setBody(FormDataContent(parametersOf(body.fields.mapValues { listOf(it.value) })))
            }

            is RequestBody.Bytes -> {
                request.setBody(ByteArrayContent(body.bytes, ContentType.parse(contentType ?: body.contentType)))
            }

            is RequestBody.Text -> {
                request.setBody(TextContent(body.text, ContentType.parse(contentType ?: body.contentType)))
            }
        }
        val service = serviceSettings[context.serviceName]
        val callTimeout = context.timeout
        if (callTimeout != null || (service != null && service.hasTimeouts)) {
            request.timeout {
                service?.connectTimeout?.let { connectTimeoutMillis = it.toMillis() }
                service?.readTimeout?.let { socketTimeoutMillis = it.toMillis() }
                (callTimeout ?: service?.requestTimeout)?.let { requestTimeoutMillis = it.toMillis() }
            }
        }
    }

    private fun translate(
        e: Throwable,
        context: RequestContext,
    ): Throwable {
        val service = context.serviceName
        val instance = context.selectedInstance
        val own = serviceSettings[service]
        return when (e) {
            is SwitchboardException -> {
                e
            }

            is HttpRequestTimeoutException -> {
                ServiceTimeoutException(
                    service,
                    instance,
                    TimeoutKind.REQUEST,
                    context.timeout ?: own?.requestTimeout ?: settings.requestTimeout,
                    e,
                )
            }

            is ConnectTimeoutException -> {
                ServiceTimeoutException(service, instance, TimeoutKind.CONNECT, own?.connectTimeout ?: settings.connectTimeout, e)
            }

            is java.net.SocketTimeoutException -> {
                ServiceTimeoutException(service, instance, TimeoutKind.READ, own?.readTimeout ?: settings.readTimeout, e)
            }

            is CancellationException -> {
                e
            }

            is IOException -> {
                ServiceCallException(
                    service,
                    instance,
                    "${context.method} $service${maskedPath(
                        context.path,
                    )} to ${instance?.address ?: "?"} failed: $e (is the instance up and reachable?)",
                    e,
                )
            }

            else -> {
                ServiceCallException(service, instance, "${context.method} $service${maskedPath(context.path)} failed: $e", e)
            }
        }
    }

    private class EligibleView(
        val source: List<ServiceInstance>,
        val eligible: List<ServiceInstance>,
    )

    private companion object {
        private const val EXCERPT = 512
        private val log = LoggerFactory.getLogger(CallPipeline::class.java)
    }
}

private fun headersOf(response: HttpResponse): Map<String, List<String>> {
    val map = LinkedHashMap<String, List<String>>()
    response.headers.forEach { name, values -> map[name] = values }
    return map
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

private fun charsetOf(info: ResponseInfo): Charset {
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

private fun closest(
    name: String,
    known: Set<String>,
): String? =
    known
        .map { it to levenshtein(name.lowercase(), it.lowercase()) }
        .filter { it.second <= maxOf(2, name.length / 3) }
        .minByOrNull { it.second }
        ?.first

internal fun levenshtein(
    a: String,
    b: String,
): Int {
    var previous = IntArray(b.length + 1) { it }
    for (i in 1..a.length) {
        val current = IntArray(b.length + 1)
        current[0] = i
        for (j in 1..b.length) {
            val cost = if (a[i - 1] == b[j - 1]) 0 else 1
            current[j] = minOf(current[j - 1] + 1, previous[j] + 1, previous[j - 1] + cost)
        }
        previous = current
    }
    return previous[b.length]
}
