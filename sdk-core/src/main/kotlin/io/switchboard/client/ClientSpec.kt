package io.switchboard.client

import io.switchboard.ConfigurationException
import io.switchboard.RetryPolicy
import io.switchboard.config.ConfigBinder
import io.switchboard.config.ConfigNode
import io.switchboard.config.ConfigSection
import io.switchboard.config.parseYaml
import io.switchboard.internal.RetryOverrides
import java.nio.file.Files
import java.nio.file.Path
import java.time.Duration

/**
 * One endpoint of a [ClientSpec]: how to call it.
 *
 * @property name the name calls use.
 * @property method the HTTP method.
 * @property path the path template; `{name}` placeholders are filled from the call's path parameters.
 * @property headers headers of this endpoint (over the client's, under the call's).
 * @property query query parameters of this endpoint (over the client's, under the call's).
 * @property timeout the timeout of this endpoint (over the client's, under the call's).
 * @property mock a canned answer, used by sdk-test's mocks; null for none.
 * @property idempotent whether calls of this endpoint may be repeated safely (a POST that creates nothing
 *   twice, say), so a failed attempt is retried elsewhere as a GET's is; null for the service's setting,
 *   else the HTTP method's. A call's own `Params.idempotent` wins.
 * @property retry the retry policy of this endpoint, replacing the service's and the manager's; a call's
 *   own `Params.retry` wins. In a YAML spec, an endpoint's `retry:` section (the keys of
 *   `service-caller.retry`) sets only the keys it names, over the service's policy, and this stays null.
 */
public class EndpointSpec
    @JvmOverloads
    constructor(
        public val name: String,
        public val path: String,
        public val method: String = "GET",
        public val headers: Map<String, String> = emptyMap(),
        public val query: Map<String, List<String>> = emptyMap(),
        public val timeout: Duration? = null,
        public val mock: MockAnswer? = null,
        public val idempotent: Boolean? = null,
        public val retry: RetryPolicy? = null,
    ) {
        /** A YAML endpoint's `retry:` keys, laid over the service's policy when [retry] is not set. */
        internal var retryOverrides: RetryOverrides? = null

        init {
            require(name.isNotBlank()) { "endpoint name: '$name' (expected: a non-blank name)" }
            require(path.startsWith("/")) { "endpoint $name: path '$path' (expected: a path starting with '/')" }
        }

        /** The names of the `{placeholders}` in [path]. */
        public val placeholders: List<String> = ENDPOINT_PLACEHOLDER.findAll(path).map { it.groupValues[1] }.toList()

        override fun toString(): String = "EndpointSpec($name: $method $path)"
    }

/** A `{placeholder}` in an endpoint's path. */
internal val ENDPOINT_PLACEHOLDER: Regex = Regex("""\{([A-Za-z0-9_.-]+)}""")

/**
 * A canned answer for an endpoint, for tests: status, headers and a body given as JSON, text or bytes.
 *
 * @property status the HTTP status.
 * @property body the body bytes.
 * @property contentType the body's content type.
 * @property headers more response headers.
 */
public class MockAnswer
    @JvmOverloads
    constructor(
        public val status: Int = 200,
        public val body: ByteArray = ByteArray(0),
        public val contentType: String = "application/json",
        public val headers: Map<String, String> = emptyMap(),
    ) {
        override fun toString(): String = "MockAnswer($status, ${body.size} bytes of $contentType)"

        /** Factories. */
        public companion object {
            /** A JSON answer (the text is sent as it is). */
            @JvmStatic
            @JvmOverloads
            public fun json(
                json: String,
                status: Int = 200,
            ): MockAnswer = MockAnswer(status, json.toByteArray(), "application/json")

            /** A plain-text answer. */
            @JvmStatic
            @JvmOverloads
            public fun text(
                text: String,
                status: Int = 200,
            ): MockAnswer = MockAnswer(status, text.toByteArray(), "text/plain; charset=UTF-8")
        }
    }

/**
 * What a [ServiceClient] calls: its endpoints by name, the target (a fixed base URL or a service name
 * resolved through discovery), and client-level headers, query parameters and timeout.
 *
 * Build one in code ([builder], or `ClientSpec { … }` in Kotlin) or load one from YAML or JSON
 * ([parse], [load], [loadFromClasspath]):
 *
 * ```yaml
 * base-url: http://127.0.0.1:8080      # or: service: user-service
 * headers: { Accept: application/json }
 * timeout: 5s
 * endpoints:
 *   get_user_detail:
 *     path: /users/{user_id}
 *   create_user:
 *     method: post
 *     path: /users
 *     headers: { X-Audit: "on" }
 *     timeout: 2s
 *     idempotent: true                  # retried elsewhere like a GET (it creates nothing twice)
 *     retry: { max-attempts: 2 }        # over the service's policy
 *     mock: { status: 201, json: '{"id": 1}' }
 * ```
 *
 * @property endpoints the endpoints by name.
 * @property baseUrl the fixed target, or null when [service] is set.
 * @property service the target service name, or null when [baseUrl] is set.
 * @property headers client-level headers.
 * @property query client-level query parameters.
 * @property timeout client-level timeout.
 */
public class ClientSpec private constructor(
    builder: Builder,
) {
    public val endpoints: Map<String, EndpointSpec> = LinkedHashMap(builder.endpoints)
    public val baseUrl: String? = builder.baseUrl
    public val service: String? = builder.service
    public val headers: Map<String, String> = LinkedHashMap(builder.headers)
    public val query: Map<String, List<String>> = LinkedHashMap(builder.query)
    public val timeout: Duration? = builder.timeout

    init {
        if ((baseUrl == null) == (service == null)) {
            throw ConfigurationException(
                "client spec: set exactly one of base-url and service (found ${if (baseUrl == null) "neither" else "both"})",
            )
        }
        if (endpoints.isEmpty()) throw ConfigurationException("client spec: no endpoints (expected: at least one under endpoints:)")
    }

    /** The endpoint called [name]; the error lists the known ones. */
    public fun endpoint(name: String): EndpointSpec =
        endpoints[name]
            ?: throw ConfigurationException(
                "endpoint '$name' is not in the client spec (known endpoints: ${endpoints.keys.joinToString(", ")})",
            )

    override fun toString(): String = "ClientSpec(${baseUrl ?: "service $service"}, endpoints=${endpoints.keys})"

    /** Builds a [ClientSpec]. */
    public class Builder internal constructor() {
        internal val endpoints = LinkedHashMap<String, EndpointSpec>()
        internal var baseUrl: String? = null
        internal var service: String? = null
        internal val headers = LinkedHashMap<String, String>()
        internal val query = LinkedHashMap<String, List<String>>()
        internal var timeout: Duration? = null

        /** Calls go to this base URL (`http://host:port`, optionally with a path prefix). */
        public fun baseUrl(url: String): Builder = apply { baseUrl = url.trimEnd('/') }

        /** Calls go to this service, found through discovery and chosen by the load balancer. */
        public fun service(name: String): Builder = apply { service = name }

        /** A client-level header. */
        public fun header(
            name: String,
            value: String,
        ): Builder = apply { headers[name] = value }

        /** A client-level query parameter. */
        public fun query(
            name: String,
            vararg values: String,
        ): Builder = apply { query[name] = values.toList() }

        /** The client-level timeout. */
        public fun timeout(timeout: Duration): Builder = apply { this.timeout = timeout }

        /** Adds an endpoint. */
        public fun endpoint(endpoint: EndpointSpec): Builder = apply { endpoints[endpoint.name] = endpoint }

        /** Adds an endpoint. */
        @JvmOverloads
        public fun endpoint(
            name: String,
            method: String,
            path: String,
            timeout: Duration? = null,
        ): Builder = endpoint(EndpointSpec(name, path, method.uppercase(), timeout = timeout))

        /** The spec. */
        public fun build(): ClientSpec = ClientSpec(this)
    }

    /** Factories and loaders. */
    public companion object {
        /** A new builder. */
        @JvmStatic
        public fun builder(): Builder = Builder()

        /** Parses a YAML (or JSON) spec; [name] appears in error messages. */
        @JvmStatic
        @JvmOverloads
        public fun parse(
            text: String,
            name: String = "client spec",
        ): ClientSpec = SpecReader.read(parseYaml(text, name))

        /** Loads a YAML or JSON spec file. */
        @JvmStatic
        public fun load(file: Path): ClientSpec {
            if (!Files.isRegularFile(file)) throw ConfigurationException("$file: no such file (expected: a client spec in YAML or JSON)")
            return parse(Files.readString(file), file.toString())
        }

        /** Loads a YAML or JSON spec from the classpath. */
        @JvmStatic
        public fun loadFromClasspath(resource: String): ClientSpec {
            val url =
                (Thread.currentThread().contextClassLoader ?: ClientSpec::class.java.classLoader).getResource(resource.removePrefix("/"))
                    ?: throw ConfigurationException("classpath:$resource: not found (expected: a client spec in YAML or JSON)")
            return parse(url.readText(), "classpath:$resource")
        }
    }
}

/** Builds a [ClientSpec] with a Kotlin DSL. */
@JvmSynthetic
public inline fun ClientSpec(block: ClientSpec.Builder.() -> Unit): ClientSpec = ClientSpec.builder().apply(block).build()

/** Reads a spec tree, with errors that name the endpoint and the field. */
private object SpecReader {
    private val topKeys = listOf("base-url", "service", "headers", "query", "timeout", "endpoints")
    private val endpointKeys = listOf("method", "path", "headers", "query", "timeout", "mock", "idempotent", "retry")
    private val mockKeys = listOf("status", "json", "text", "headers")
    private val methods = listOf("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS").associateBy { it.lowercase() }

    fun read(root: ConfigNode.MapNode): ClientSpec {
        val top = ConfigSection(root, "", topKeys)
        val builder = ClientSpec.builder()
        top.nonBlank("base-url")?.let(builder::baseUrl)
        top.nonBlank("service")?.let(builder::service)
        top.stringMap("headers").forEach { (k, v) -> builder.header(k, v) }
        top.stringMap("query").forEach { (k, v) -> builder.query(k, v) }
        top.duration("timeout")?.let(builder::timeout)
        top
            .namedSections("endpoints", endpointKeys) { name, section ->
                val path = section.string("path")
                section.require(path != null, null, "no path (expected: path: /users/{id})")
                section.require(path!!.startsWith("/"), "path", "'$path' does not start with '/'")
                val mock =
                    section.section("mock", mockKeys)?.let { m ->
                        val json = m.string("json")
                        val text = m.string("text")
                        MockAnswer(
                            status = m.int("status", 100..599) ?: 200,
                            body = (json ?: text ?: "").toByteArray(),
                            contentType = if (text != null && json == null) "text/plain; charset=UTF-8" else "application/json",
                            headers = m.stringMap("headers"),
                        )
                    }
                EndpointSpec(
                    name = name,
                    path = path,
                    method = section.choice("method", methods) ?: "GET",
                    headers = section.stringMap("headers"),
                    query = section.stringMap("query").mapValues { listOf(it.value) },
                    timeout = section.duration("timeout"),
                    mock = mock,
                    idempotent = section.boolean("idempotent"),
                ).apply { retryOverrides = section.section("retry", ConfigBinder.retryKeys)?.let(ConfigBinder::retryOverrides) }
            }.values
            .forEach(builder::endpoint)
        return builder.build()
    }
}
