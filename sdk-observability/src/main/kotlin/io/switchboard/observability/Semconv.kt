package io.switchboard.observability

import io.opentelemetry.api.OpenTelemetry
import io.opentelemetry.api.common.AttributeKey
import io.opentelemetry.api.metrics.DoubleHistogram

/** The OpenTelemetry attribute names Switchboard's spans and histograms use (HTTP semantic conventions, and its own). */
internal object Semconv {
    /** The instrumentation scope of every span and histogram. */
    const val SCOPE = "io.switchboard"

    val METHOD: AttributeKey<String> = AttributeKey.stringKey("http.request.method")
    val STATUS: AttributeKey<Long> = AttributeKey.longKey("http.response.status_code")
    val ROUTE: AttributeKey<String> = AttributeKey.stringKey("http.route")
    val URL_TEMPLATE: AttributeKey<String> = AttributeKey.stringKey("url.template")
    val URL_FULL: AttributeKey<String> = AttributeKey.stringKey("url.full")
    val URL_PATH: AttributeKey<String> = AttributeKey.stringKey("url.path")
    val URL_QUERY: AttributeKey<String> = AttributeKey.stringKey("url.query")
    val URL_SCHEME: AttributeKey<String> = AttributeKey.stringKey("url.scheme")
    val SERVER_ADDRESS: AttributeKey<String> = AttributeKey.stringKey("server.address")
    val SERVER_PORT: AttributeKey<Long> = AttributeKey.longKey("server.port")
    val CLIENT_ADDRESS: AttributeKey<String> = AttributeKey.stringKey("client.address")
    val USER_AGENT: AttributeKey<String> = AttributeKey.stringKey("user_agent.original")
    val ERROR_TYPE: AttributeKey<String> = AttributeKey.stringKey("error.type")
    val RESEND_COUNT: AttributeKey<Long> = AttributeKey.longKey("http.request.resend_count")

    /** The called or hosted service. */
    val SERVICE: AttributeKey<String> = AttributeKey.stringKey("switchboard.service")

    /** How many attempts a call made. */
    val ATTEMPTS: AttributeKey<Long> = AttributeKey.longKey("switchboard.attempts")

    /** Why an attempt after the first was made: `retry` (the one before failed) or `hedge` (the one before was slow). */
    val ATTEMPT_KIND: AttributeKey<String> = AttributeKey.stringKey("switchboard.attempt.kind")

    private val METHODS = setOf("GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH")

    /** [method] when it is a standard HTTP method, else `_OTHER`: a caller cannot make a series per made-up method. */
    fun method(method: String): String = if (method in METHODS) method else "_OTHER"

    /** The buckets OpenTelemetry advises for HTTP durations, in seconds. */
    private val BUCKETS = listOf(0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0)

    fun durationHistogram(
        openTelemetry: OpenTelemetry,
        name: String,
        description: String,
    ): DoubleHistogram =
        openTelemetry.meterProvider
            .get(SCOPE)
            .histogramBuilder(name)
            .setUnit("s")
            .setDescription(description)
            .setExplicitBucketBoundariesAdvice(BUCKETS)
            .build()
}
