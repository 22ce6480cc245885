package io.switchboard.client

import io.ktor.http.encodeURLPathPart
import io.switchboard.InvalidRequestException
import io.switchboard.RequestContext
import io.switchboard.spi.Interceptor
import java.time.Duration
import java.util.UUID
import java.util.function.Supplier

/** Fills `{name}` placeholders of the path from the call's path parameters; a [ServiceClient] always has it. */
public class PathTokenPlugin : Interceptor {
    override val name: String get() = "PathToken"
    override val order: Int get() = Int.MIN_VALUE

    override suspend fun beforeRequest(context: RequestContext) {
        if (!context.path.contains('{')) return
        @Suppress("UNCHECKED_CAST")
        val values = context.attributes[ServiceClient.PATH_PARAMS] as? Map<String, String> ?: emptyMap()
        val template = context.path
        val endpoint = context.attributes[ServiceClient.ENDPOINT] ?: template
        context.path =
            ENDPOINT_PLACEHOLDER.replace(template) { match ->
                val key = match.groupValues[1]
                val value =
                    values[key] ?: throw InvalidRequestException(
                        "endpoint $endpoint: path parameter '$key' of $template has no value " +
                            "(expected: Params.path(\"$key\", …))",
                    )
                value.encodeURLPathPart()
            }
    }
}

/** Headers sent with every call unless the endpoint or the call sets them. */
public class DefaultHeadersPlugin(
    private val headers: Map<String, String>,
) : Interceptor {
    override val name: String get() = "Headers"

    override suspend fun beforeRequest(context: RequestContext) {
        headers.forEach { (k, v) -> context.headers.putIfAbsent(k, v) }
    }
}

/** Query parameters sent with every call unless the endpoint or the call sets them. */
public class QueryParamsPlugin(
    private val parameters: Map<String, String>,
) : Interceptor {
    override val name: String get() = "QueryParams"

    override suspend fun beforeRequest(context: RequestContext) {
        parameters.forEach { (k, v) -> context.queryParameters.putIfAbsent(k, mutableListOf(v)) }
    }
}

/** A timeout for every call that has none from its endpoint or itself. */
public class TimeoutPlugin(
    private val timeout: Duration,
) : Interceptor {
    override val name: String get() = "Timeout"

    override suspend fun beforeRequest(context: RequestContext) {
        if (context.timeout == null) context.timeout = timeout
    }
}

/** Records the call's duration as attribute [ATTRIBUTE], on success and on failure. */
public class ElapsedPlugin : Interceptor {
    override val name: String get() = "Elapsed"

    override suspend fun afterResponse(context: RequestContext) {
        context.duration?.let { context.attributes[ATTRIBUTE] = it }
    }

    override suspend fun handleException(context: RequestContext) {
        context.duration?.let { context.attributes[ATTRIBUTE] = it }
    }

    /** Attribute names. */
    public companion object {
        /** The call's duration (a `java.time.Duration`). */
        public const val ATTRIBUTE: String = "switchboard.elapsed"
    }
}

/**
 * Gives each request/response pair a token: sent in header [headerName] (a token the call already set
 * there is kept), recorded as attribute [ATTRIBUTE], shown by `ClientResponse.trackingToken` and by the
 * loggers.
 */
public class TrackingTokenPlugin
    @JvmOverloads
    constructor(
        private val headerName: String = "X-Tracking-Token",
        private val generator: Supplier<String> = Supplier { UUID.randomUUID().toString() },
    ) : Interceptor {
        override val name: String get() = "TrackingToken"
        override val order: Int get() = -20_000

        override suspend fun beforeRequest(context: RequestContext) {
            val token = context.headers[headerName] ?: generator.get()
            context.headers[headerName] = token
            context.attributes[ATTRIBUTE] = token
        }

        /** Attribute names. */
        public companion object {
            /** The tracking token of the call. */
            public const val ATTRIBUTE: String = "switchboard.trackingToken"
        }
    }
