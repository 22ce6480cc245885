package io.switchboard.interceptor

import io.switchboard.HttpStatusException
import io.switchboard.RequestContext
import io.switchboard.spi.Interceptor
import java.time.Duration
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.atomic.AtomicLong
import java.util.concurrent.atomic.LongAdder

/**
 * Counts calls and times them per service, method and outcome (the HTTP status, or the exception's
 * type when no status arrived). Read the figures with [snapshot].
 *
 * It keeps figures for at most [maxServices] service names (methods and outcomes are few per service);
 * calls to further names (typos, say) are counted under the service name `(other)`, so memory stays
 * bounded while every known service keeps all its outcomes.
 */
public class MetricsInterceptor
    @JvmOverloads
    constructor(
        private val maxServices: Int = 500,
    ) : Interceptor {
        init {
            require(maxServices > 0) { "maxServices: $maxServices (expected: > 0)" }
        }

        private val stats = ConcurrentHashMap<Key, Stats>()
        private val services: MutableSet<String> = ConcurrentHashMap.newKeySet()

        override val name: String get() = NAME

        override suspend fun afterResponse(context: RequestContext) {
            record(context, context.response?.status?.toString() ?: "ok")
        }

        override suspend fun handleException(context: RequestContext) {
            val error = context.exception
            val outcome = (error as? HttpStatusException)?.status?.toString() ?: error?.javaClass?.simpleName ?: "error"
            record(context, outcome)
        }

        private fun record(
            context: RequestContext,
            outcome: String,
        ) {
            val nanos = context.duration?.toNanos() ?: 0L
            val name = context.serviceName
            val known = name in services || (services.size < maxServices && services.add(name)) || name in services
            stats.computeIfAbsent(Key(if (known) name else OTHER, context.method, outcome)) { Stats() }.add(nanos)
        }

        /** The figures so far, one entry per service, method and outcome, sorted. */
        public fun snapshot(): List<CallMetrics> =
            stats.entries
                .map { (key, s) ->
                    CallMetrics(
                        key.service,
                        key.method,
                        key.outcome,
                        s.count.sum(),
                        Duration.ofNanos(s.total.sum()),
                        Duration.ofNanos(s.max.get()),
                    )
                }.sortedWith(compareBy({ it.serviceName }, { it.method }, { it.outcome }))

        /** Forgets every figure. */
        public fun reset() {
            stats.clear()
            services.clear()
        }

        private data class Key(
            val service: String,
            val method: String,
            val outcome: String,
        )

        private class Stats {
            val count = LongAdder()
            val total = LongAdder()
            val max = AtomicLong()

            fun add(nanos: Long) {
                count.increment()
                total.add(nanos)
                max.accumulateAndGet(nanos, ::maxOf)
            }
        }

        /** Constants. */
        public companion object {
            /** The name this interceptor registers under. */
            public const val NAME: String = "MetricsInterceptor"

            /** The service name the calls to names beyond [maxServices] are counted under. */
            public const val OTHER: String = "(other)"
        }
    }

/**
 * Figures for the calls of one service, method and outcome.
 *
 * @property serviceName the service called.
 * @property method the HTTP method.
 * @property outcome the HTTP status, or the exception's simple class name when no status arrived.
 * @property count how many calls.
 * @property totalTime their summed duration.
 * @property maxTime the longest one.
 */
public class CallMetrics internal constructor(
    public val serviceName: String,
    public val method: String,
    public val outcome: String,
    public val count: Long,
    public val totalTime: Duration,
    public val maxTime: Duration,
) {
    /** The mean duration. */
    public val meanTime: Duration get() = if (count == 0L) Duration.ZERO else totalTime.dividedBy(count)

    override fun toString(): String = "CallMetrics($serviceName $method $outcome: $count calls, mean ${meanTime.toMillis()} ms)"
}
