package io.switchboard

import io.switchboard.internal.HeaderLookup
import io.switchboard.spi.InstanceStats
import java.time.Duration
import java.time.Instant
import java.util.concurrent.ConcurrentHashMap

/**
 * Everything about one call, handed to every interceptor phase.
 *
 * Before the request: [method], [serviceName], [path], [protocol], [options], the mutable [headers],
 * [queryParameters], [body] and [timeout] an interceptor may change, and [attributes] for its own use.
 * After the response (or the failure) also: [resolvedUrl], [selectedInstance], [response], [exception],
 * [result] and the timings [startTime], [responseTime] (headers received), [endTime] and [duration].
 *
 * The manager creates one per call; the public constructor is there for unit tests of custom
 * interceptors and load balancers.
 */
public class RequestContext
    @JvmOverloads
    public constructor(
        /** The HTTP method: `GET`, `POST`, … */
        public val method: String,
        /** The service called. */
        public val serviceName: String,
        path: String,
        /** The options the caller passed (the seed's `kwargs`). */
        public val options: RequestOptions = RequestOptions.NONE,
    ) {
        /**
         * The request path, starting with `/` (it may carry a query string). An interceptor may rewrite it
         * in `beforeRequest` (filling path tokens, say); it must still start with `/`.
         */
        public var path: String = path

        /**
         * The path's template, with its variable parts as `{name}` (`/orders/{id}`), for metrics and traces
         * that must not see each id: a proxy's REST route, a dispatch method's path, a client spec's
         * endpoint path, or what the caller set with `RequestOptions.Builder.uriTemplate`; null when the
         * call gave none.
         */
        public val uriTemplate: String? get() = options.uriTemplate

        /** `http` or `https`; set from the chosen instance. */
        public var protocol: String = "http"
            internal set

        /** Headers to send; interceptors may add, change or remove them. Names are case-insensitive. */
        public val headers: MutableMap<String, String> = RequestOptions.caseInsensitive(options.headers)

        /** Query parameters to send; interceptors may change them. */
        public val queryParameters: MutableMap<String, MutableList<String>> =
            options.queryParameters.mapValuesTo(LinkedHashMap()) { it.value.toMutableList() }

        /** The body to send; interceptors may replace it. */
        public var body: RequestBody? = options.body

        /** The timeout of the whole call, if one was set for it; interceptors may change it. */
        public var timeout: Duration? = options.timeout

        /** Free-form storage for interceptors (values must not be null). */
        public val attributes: MutableMap<String, Any>
            get() = attributeMap ?: synchronized(this) { attributeMap ?: ConcurrentHashMap<String, Any>().also { attributeMap = it } }

        // made on first use: most calls never store an attribute
        @Volatile
        private var attributeMap: MutableMap<String, Any>? = null

        /** The full URL the call was sent to, once an instance was chosen. */
        public var resolvedUrl: String? = null
            internal set

        /** The instance the load balancer chose. */
        public var selectedInstance: ServiceInstance? = null
            internal set

        /** Status and headers of the response, once they arrived. */
        public var response: ResponseInfo? = null
            internal set

        /** What made the call fail, in `handleException`. */
        public var exception: Throwable? = null
            internal set

        /** The decoded result (for raw calls: what the caller's block returned). */
        public var result: Any? = null
            internal set

        /**
         * The manager's statistics of the called service's instances (attempts in flight, latency), for load
         * balancers that weigh load or latency; set before the balancer is asked. [InstanceStats.NONE] in a
         * context made outside a manager.
         */
        public var instanceStats: InstanceStats = InstanceStats.NONE
            internal set

        internal val startNanos: Long = System.nanoTime()

        private var failedAttempts: MutableList<Attempt>? = null

        /**
         * Every attempt of the call, in order: the ones that failed and were retried elsewhere, then the last
         * one (whose outcome is the call's). One entry when the first attempt settled it.
         */
        public val attempts: List<Attempt>
            get() {
                val earlier = failedAttempts.orEmpty()
                val last = selectedInstance ?: return earlier.toList()
                val started = lastAttemptNanos.takeIf { it != 0L } ?: startNanos
                val ended = if (endNanos == 0L) System.nanoTime() else endNanos
                return earlier + Attempt(last, response?.status, exception, Duration.ofNanos(ended - started))
            }

        private var lastAttemptNanos: Long = 0

        /** The current attempt's own timeout when it is shorter than what remains of the call; null otherwise. */
        internal var attemptTimeout: Duration? = null

        /** The manager's codec, for interceptors that encode the body themselves (signing). */
        internal var codec: io.switchboard.spi.Codec? = null

        /** Records the attempt on [selectedInstance] as failed (with [status] or [failure]) before another one starts. */
        internal fun attemptFailed(
            status: Int?,
            failure: Throwable?,
            nowNanos: Long,
        ) {
            val started = lastAttemptNanos.takeIf { it != 0L } ?: startNanos
            val list = failedAttempts ?: ArrayList<Attempt>(2).also { failedAttempts = it }
            list += Attempt(selectedInstance!!, status, failure, Duration.ofNanos(nowNanos - started))
            lastAttemptNanos = nowNanos
            response = null
            responseNanos = 0
            attemptTimeout = null
        }

        /** Records a finished attempt of a hedged call on [instance], which ran from [startNanos] to [endNanos]. */
        internal fun recordAttempt(
            instance: ServiceInstance,
            status: Int?,
            failure: Throwable?,
            startNanos: Long,
            endNanos: Long,
        ) {
            val list = failedAttempts ?: ArrayList<Attempt>(2).also { failedAttempts = it }
            list += Attempt(instance, status, failure, Duration.ofNanos(endNanos - startNanos))
        }

        /** Makes the hedged attempt on [instance] (started at [startNanos], sent to [url]) the call's last one: its answer is the call's. */
        internal fun settle(
            instance: ServiceInstance,
            url: String,
            startNanos: Long,
            info: ResponseInfo,
        ) {
            selectedInstance = instance
            protocol = instance.scheme
            resolvedUrl = url
            lastAttemptNanos = startNanos
            response = info
            markResponse()
        }

        /** The instances tried so far, the current one included. */
        internal fun triedInstances(): List<ServiceInstance> = failedAttempts.orEmpty().map { it.instance }

        /** The pause before the next attempt, decided with the retry. */
        internal var retryPauseNanos: Long = 0

        /** Whether the current attempt's response went to the caller's handling (the call can no longer be repeated). */
        internal var handed: Boolean = false

        /** An instance chosen before the call (a proxy that picked its channel by it); used while it stays eligible. */
        internal var pinnedInstance: ServiceInstance? = null

        /** When the current attempt's response headers arrived (a [System.nanoTime] reading); 0 before. */
        internal var responseNanos: Long = 0
            private set
        private var endNanos: Long = 0

        /** When the call started (wall clock). */
        public val startTime: Instant = Instant.now()

        /** When the response headers arrived; null before that or when none arrived. */
        public val responseTime: Instant? get() = if (responseNanos == 0L) null else startTime.plusNanos(responseNanos - startNanos)

        /** When the call ended; null while it runs. */
        public val endTime: Instant? get() = if (endNanos == 0L) null else startTime.plusNanos(endNanos - startNanos)

        /** How long the call took, from [startTime] to [endTime]; null while it runs. */
        public val duration: Duration? get() = if (endNanos == 0L) null else Duration.ofNanos(endNanos - startNanos)

        internal fun markResponse() {
            responseNanos = System.nanoTime()
        }

        internal fun markEnd() {
            if (endNanos == 0L) endNanos = System.nanoTime()
        }

        override fun toString(): String =
            "RequestContext($method $serviceName${Secrets.maskedPath(path)} -> " +
                "${resolvedUrl?.let(Secrets::maskedPath) ?: "unresolved"}, status=${response?.status})"
    }

/**
 * Status and headers of a response.
 *
 * @property status the HTTP status code.
 * @property headers the response headers (names as sent; look them up with [header]).
 */
public class ResponseInfo(
    public val status: Int,
    public val headers: Map<String, List<String>>,
) {
    /** The first value of header [name], compared case-insensitively. */
    public fun header(name: String): String? =
        (headers as? HeaderLookup)?.first(name)
            ?: headers.entries
                .firstOrNull { it.key.equals(name, ignoreCase = true) }
                ?.value
                ?.firstOrNull()

    /** Whether [status] is in 200..299. */
    public val isSuccessful: Boolean get() = status in 200..299

    override fun toString(): String = "ResponseInfo(status=$status)"
}
