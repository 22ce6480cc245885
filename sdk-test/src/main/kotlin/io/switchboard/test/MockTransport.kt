package io.switchboard.test

import io.ktor.client.engine.HttpClientEngine
import io.ktor.client.engine.mock.MockEngine
import io.ktor.client.engine.mock.respond
import io.ktor.client.request.forms.FormDataContent
import io.ktor.http.HttpHeaders
import io.ktor.http.HttpStatusCode
import io.ktor.http.content.ByteArrayContent
import io.ktor.http.content.TextContent
import io.ktor.http.formUrlEncode
import io.ktor.http.headersOf
import io.ktor.utils.io.ByteReadChannel
import io.switchboard.ServiceInstance
import io.switchboard.ServiceManagerBuilder
import io.switchboard.client.ClientSpec
import io.switchboard.client.MockAnswer
import java.util.Collections
import java.util.concurrent.CopyOnWriteArrayList

/**
 * Canned answers instead of a network, for tests of code that calls services.
 *
 * Give a [ServiceManager][io.switchboard.ServiceManager] (and so a `ServiceClient` or a service proxy)
 * the engine with [install]; each request is matched against the rules ([on], or the `mock:` answers
 * of a client spec with [forSpec]) by method and path template, answered without any socket, and
 * recorded in [requests]. A request no rule matches gets a 404 naming it.
 */
public class MockTransport : AutoCloseable {
    private val rules = CopyOnWriteArrayList<Rule>()
    private val recorded = Collections.synchronizedList(ArrayList<RecordedRequest>())

    /** The requests received so far, in order. */
    public val requests: List<RecordedRequest> get() = synchronized(recorded) { recorded.toList() }

    /** Answers [method] requests whose path matches [pathTemplate] (`{name}` matches one segment) with [answer]. */
    public fun on(
        method: String,
        pathTemplate: String,
        answer: MockAnswer,
    ): MockTransport =
        apply {
            val pattern = Regex("^" + pathTemplate.split(Regex("""\{[^}]+}""")).joinToString("[^/]+") { Regex.escape(it) } + "$")
            rules.add(0, Rule(method.uppercase(), pattern, answer))
        }

    /** Answers with JSON. */
    @JvmOverloads
    public fun onJson(
        method: String,
        pathTemplate: String,
        json: String,
        status: Int = 200,
    ): MockTransport = on(method, pathTemplate, MockAnswer.json(json, status))

    /** Answers every endpoint of [spec] that has a `mock:` answer. */
    public fun forSpec(spec: ClientSpec): MockTransport =
        apply {
            val prefix =
                spec.baseUrl
                    ?.let {
                        java.net
                            .URI(it)
                            .rawPath
                            .orEmpty()
                            .trimEnd('/')
                    }.orEmpty()
            spec.endpoints.values.forEach { endpoint -> endpoint.mock?.let { on(endpoint.method, prefix + endpoint.path, it) } }
        }

    /** An instance of [serviceName] served by this mock (no socket is ever opened to it). */
    public fun instance(serviceName: String): ServiceInstance = ServiceInstance(serviceName, "$serviceName.mock", 80)

    /** A new Ktor engine answering from the rules; the manager that uses it closes it. */
    public fun engine(): HttpClientEngine =
        MockEngine { request ->
            val body =
                when (val content = request.body) {
                    is ByteArrayContent -> content.bytes()
                    is TextContent -> content.text.toByteArray()
                    is FormDataContent -> content.formData.formUrlEncode().toByteArray()
                    else -> ByteArray(0)
                }
            val path = request.url.encodedPath
            recorded +=
                RecordedRequest(
                    request.method.value,
                    request.url.toString(),
                    path,
                    request.url.parameters
                        .entries()
                        .associate { it.key to it.value },
                    request.headers.entries().associate { it.key to it.value.joinToString(",") } +
                        (request.body.contentType?.let { mapOf(HttpHeaders.ContentType to it.toString()) } ?: emptyMap()),
                    body,
                )
            val rule = rules.firstOrNull { it.method == request.method.value && it.path.matches(path) }
            if (rule == null) {
                respond(
                    """{"error":"no mock answers ${request.method.value} $path"}""",
                    HttpStatusCode.NotFound,
                    headersOf(HttpHeaders.ContentType, "application/json"),
                )
            } else {
                val answer = rule.answer
                val headers = answer.headers.mapValues { listOf(it.value) } + (HttpHeaders.ContentType to listOf(answer.contentType))
                respond(
                    ByteReadChannel(answer.body),
                    HttpStatusCode.fromValue(answer.status),
                    io.ktor.http.headers {
                        headers.forEach { (k, v) ->
                            appendAll(k, v)
                        }
                    },
                )
            }
        }

    /** Sends [builder]'s calls through this mock, with an instance for each of [services]. */
    public fun install(
        builder: ServiceManagerBuilder,
        vararg services: String,
    ): ServiceManagerBuilder {
        builder.transport(engine())
        services.forEach { builder.staticInstances(it, instance(it)) }
        return builder
    }

    /** Forgets the recorded requests. */
    public fun clearRequests() {
        recorded.clear()
    }

    /** Nothing to release; each engine is closed by its manager. */
    override fun close() {}

    private class Rule(
        val method: String,
        val path: Regex,
        val answer: MockAnswer,
    )
}

/**
 * A request a [MockTransport] received.
 *
 * @property method the HTTP method.
 * @property url the full URL.
 * @property path the path, without the query.
 * @property query the query parameters.
 * @property headers the headers (names as sent).
 * @property body the body bytes.
 */
public class RecordedRequest(
    public val method: String,
    public val url: String,
    public val path: String,
    public val query: Map<String, List<String>>,
    public val headers: Map<String, String>,
    public val body: ByteArray,
) {
    /** The first value of header [name], compared case-insensitively. */
    public fun header(name: String): String? = headers.entries.firstOrNull { it.key.equals(name, ignoreCase = true) }?.value

    /** The body as UTF-8 text. */
    public fun text(): String = body.decodeToString()

    override fun toString(): String = "RecordedRequest($method $url)"
}
