package io.switchboard.client

import io.switchboard.BodyType
import io.switchboard.RequestBody
import io.switchboard.RetryPolicy
import io.switchboard.bodyTypeOf
import java.time.Duration
import kotlin.time.toJavaDuration

/**
 * The parameters of one [ServiceClient.call]: values for the path's `{placeholders}`, a payload, and
 * request-level headers, query parameters, timeout and retry settings (which win over the endpoint's and
 * the client's).
 *
 * Java: `Params.builder().path("user_id", 42).json(user).build()`; Kotlin: `Params { path("user_id", 42) }`.
 */
public class Params private constructor(
    builder: Builder,
) {
    /** Values for the path placeholders. */
    public val path: Map<String, String> = LinkedHashMap(builder.path)

    /** Request-level headers. */
    public val headers: Map<String, String> = LinkedHashMap(builder.headers)

    /** Request-level query parameters. */
    public val query: Map<String, List<String>> = LinkedHashMap(builder.query)

    /** The payload, if any. */
    public val body: RequestBody? = builder.body

    /** The request-level timeout, if any. */
    public val timeout: Duration? = builder.timeout

    /** Whether this call may be repeated safely, over the endpoint's setting; null for the endpoint's. */
    public val idempotent: Boolean? = builder.idempotent

    /** This call's retry policy, over the endpoint's, the service's and the manager's; null for theirs. */
    public val retry: RetryPolicy? = builder.retry

    override fun toString(): String =
        "Params(path=$path, headers=${headers.keys}, query=${query.keys}, body=${body?.javaClass?.simpleName}, timeout=$timeout)"

    /** Builds [Params]. */
    public class Builder internal constructor() {
        internal val path = LinkedHashMap<String, String>()
        internal val headers = LinkedHashMap<String, String>()
        internal val query = LinkedHashMap<String, List<String>>()
        internal var body: RequestBody? = null
        internal var timeout: Duration? = null
        internal var idempotent: Boolean? = null
        internal var retry: RetryPolicy? = null

        /** The value of path placeholder `{name}`. */
        public fun path(
            name: String,
            value: Any,
        ): Builder = apply { path[name] = value.toString() }

        /** A request-level header. */
        public fun header(
            name: String,
            value: String,
        ): Builder = apply { headers[name] = value }

        /** A request-level query parameter. */
        public fun query(
            name: String,
            vararg values: String,
        ): Builder = apply { query[name] = values.toList() }

        /** The payload, encoded as JSON from its runtime type. */
        public fun json(payload: Any?): Builder = apply { body = RequestBody.Json(payload, null) }

        /** The payload, encoded as JSON as [type]. */
        public fun json(
            payload: Any?,
            type: BodyType,
        ): Builder = apply { body = RequestBody.Json(payload, type) }

        /** A text payload. */
        @JvmOverloads
        public fun text(
            text: String,
            contentType: String = "text/plain; charset=UTF-8",
        ): Builder = apply { body = RequestBody.Text(text, contentType) }

        /** A bytes payload. */
        @JvmOverloads
        public fun bytes(
            bytes: ByteArray,
            contentType: String = "application/octet-stream",
        ): Builder = apply { body = RequestBody.Bytes(bytes, contentType) }

        /** The request-level timeout. */
        public fun timeout(timeout: Duration): Builder = apply { this.timeout = timeout }

        /** The request-level timeout, for Kotlin callers. */
        @JvmSynthetic
        public fun timeout(timeout: kotlin.time.Duration): Builder = timeout(timeout.toJavaDuration())

        /** Marks this call as safe to repeat (retried elsewhere as a GET is), or with false as not, over the endpoint's setting. */
        public fun idempotent(idempotent: Boolean): Builder = apply { this.idempotent = idempotent }

        /** The retry policy of this call. */
        public fun retry(policy: RetryPolicy): Builder = apply { retry = policy }

        /** The parameters. */
        public fun build(): Params = Params(this)
    }

    /** Factories. */
    public companion object {
        /** No parameters. */
        @JvmField
        public val NONE: Params = Builder().build()

        /** A new builder. */
        @JvmStatic
        public fun builder(): Builder = Builder()
    }
}

/** Builds [Params] with a Kotlin DSL. */
@JvmSynthetic
public inline fun Params(block: Params.Builder.() -> Unit): Params = Params.builder().apply(block).build()

/** The payload, encoded as JSON with its static Kotlin type. */
public inline fun <reified T> Params.Builder.payload(value: T): Params.Builder = json(value, bodyTypeOf<T>())
