package io.switchboard

import io.switchboard.internal.RetryOverrides
import java.time.Duration
import kotlin.time.toJavaDuration

/**
 * What a call passes besides its service and path: headers, query parameters, a body and a timeout.
 *
 * Immutable. Java callers use [builder]; Kotlin callers the `RequestOptions { … }` DSL.
 *
 * @property headers request headers (names case-insensitive).
 * @property queryParameters query parameters, each with one or more values.
 * @property body the request body, if any.
 * @property timeout a timeout for this call only, replacing the manager's request timeout.
 */
public class RequestOptions private constructor(
    builder: Builder,
) {
    public val headers: Map<String, String> = caseInsensitive(builder.headers)
    public val queryParameters: Map<String, List<String>> = builder.query.mapValues { it.value.toList() }
    public val body: RequestBody? = builder.body
    public val timeout: Duration? = builder.timeout

    /**
     * Whether the call may be repeated safely; null for what its spec endpoint or interface method says
     * (`@Idempotent`), else its service's setting, else its HTTP method (GET, HEAD, OPTIONS, PUT, DELETE are).
     */
    public val idempotent: Boolean? = builder.idempotent

    /**
     * This call's retry policy, replacing its endpoint's or method's (`@Retry`), its service's and the
     * manager's; null for theirs.
     */
    public val retry: RetryPolicy? = builder.retry

    /**
     * The path's template (`/orders/{id}`): what metrics and traces name the call by, where the path
     * itself holds ids; null for none (see [RequestContext.uriTemplate]).
     */
    public val uriTemplate: String? = builder.uriTemplate

    /** An endpoint's or method's retry keys, laid over the service's policy when [retry] is not set. */
    internal val retryOverrides: RetryOverrides? = builder.retryOverrides

    /** A builder that starts from these options. */
    public fun newBuilder(): Builder = Builder(this)

    override fun toString(): String =
        "RequestOptions(headers=${headers.keys}, query=${queryParameters.keys}, body=${body?.javaClass?.simpleName}, timeout=$timeout)"

    /** Builds [RequestOptions]. */
    public class Builder internal constructor(
        from: RequestOptions?,
    ) {
        internal val headers: MutableMap<String, String> = caseInsensitive(from?.headers.orEmpty())
        internal val query: MutableMap<String, MutableList<String>> = LinkedHashMap()
        internal var body: RequestBody? = from?.body
        internal var timeout: Duration? = from?.timeout
        internal var idempotent: Boolean? = from?.idempotent
        internal var retry: RetryPolicy? = from?.retry
        internal var retryOverrides: RetryOverrides? = from?.retryOverrides
        internal var uriTemplate: String? = from?.uriTemplate

        init {
            from?.queryParameters?.forEach { (k, v) -> query[k] = v.toMutableList() }
        }

        /** Sets header [name] to [value], replacing an earlier value. */
        public fun header(
            name: String,
            value: String,
        ): Builder =
            apply {
                require(name.isNotBlank()) { "header name: '$name' (expected: a non-blank name)" }
                headers[name] = value
            }

        /** Sets every header of [headers]. */
        public fun headers(headers: Map<String, String>): Builder = apply { headers.forEach { (k, v) -> header(k, v) } }

        /** Adds [values] to query parameter [name]. */
        public fun query(
            name: String,
            vararg values: String,
        ): Builder =
            apply {
                require(name.isNotBlank()) { "query parameter name: '$name' (expected: a non-blank name)" }
                query.getOrPut(name) { mutableListOf() }.addAll(values)
            }

        /** Adds every parameter of [parameters]. */
        public fun queryParameters(parameters: Map<String, String>): Builder = apply { parameters.forEach { (k, v) -> query(k, v) } }

        /** Sends [value] as a JSON body, encoded by the manager's codec from its runtime type. */
        public fun json(value: Any?): Builder = apply { body = RequestBody.Json(value, null) }

        /** Sends [value] as a JSON body, encoded as [type]. */
        public fun json(
            value: Any?,
            type: BodyType,
        ): Builder = apply { body = RequestBody.Json(value, type) }

        /** Sends [fields] as a URL-encoded form. */
        public fun form(fields: Map<String, String>): Builder = apply { body = RequestBody.Form(LinkedHashMap(fields)) }

        /** Sends [bytes] as they are, with [contentType]. */
        @JvmOverloads
        public fun bytes(
            bytes: ByteArray,
            contentType: String = "application/octet-stream",
        ): Builder = apply { body = RequestBody.Bytes(bytes, contentType) }

        /** Sends [text] as UTF-8, with [contentType]. */
        @JvmOverloads
        public fun text(
            text: String,
            contentType: String = "text/plain; charset=UTF-8",
        ): Builder = apply { body = RequestBody.Text(text, contentType) }

        /** A timeout for the whole call, replacing the manager's request timeout for this call. */
        public fun timeout(timeout: Duration): Builder =
            apply {
                require(!timeout.isNegative && !timeout.isZero) { "timeout: $timeout (expected: > 0)" }
                this.timeout = timeout
            }

        /** A timeout for the whole call, for Kotlin callers. */
        @JvmSynthetic
        public fun timeout(timeout: kotlin.time.Duration): Builder = timeout(timeout.toJavaDuration())

        /**
         * Marks the call as safe to repeat (a POST that creates nothing twice, say), so it is retried like a
         * GET; or, with false, never retried once it may have reached the application.
         */
        public fun idempotent(idempotent: Boolean): Builder = apply { this.idempotent = idempotent }

        /** The retry policy of this call. */
        public fun retry(policy: RetryPolicy): Builder = apply { retry = policy }

        /**
         * Names the call's path by its [template] in metrics and traces (`/orders/{id}` for
         * `/orders/42`), so that each id does not make a series of its own.
         */
        public fun uriTemplate(template: String): Builder =
            apply {
                require(template.startsWith("/")) { "uri template: '$template' (expected: a path starting with /)" }
                uriTemplate = template
            }

        /** The options. */
        public fun build(): RequestOptions = RequestOptions(this)
    }

    /** Factories. */
    public companion object {
        /** No headers, no query, no body, the manager's timeouts. */
        @JvmField
        public val NONE: RequestOptions = Builder(null).build()

        /** A new, empty builder. */
        @JvmStatic
        public fun builder(): Builder = Builder(null)

        internal fun caseInsensitive(from: Map<String, String>): java.util.TreeMap<String, String> =
            java.util.TreeMap<String, String>(String.CASE_INSENSITIVE_ORDER).apply { putAll(from) }
    }
}

/** Builds [RequestOptions] with a Kotlin DSL: `RequestOptions { header("X-Id", "7"); query("page", "2") }`. */
@JvmSynthetic
public inline fun RequestOptions(block: RequestOptions.Builder.() -> Unit): RequestOptions = RequestOptions.builder().apply(block).build()

/** Sends [value] as a JSON body encoded with its static Kotlin type (generic arguments kept). */
public inline fun <reified T> RequestOptions.Builder.jsonBody(value: T): RequestOptions.Builder = json(value, bodyTypeOf<T>())
