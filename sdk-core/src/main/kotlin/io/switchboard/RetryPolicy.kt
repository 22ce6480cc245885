package io.switchboard

/**
 * When a failed attempt of a call is tried again on another instance. One call makes at most
 * [maxAttempts] attempts, never twice on the same instance while others remain, all within the call's
 * one deadline:
 *
 * - any method is retried when the request provably never reached the application: the connection was
 *   refused or could not be made, or the server answered 503 and said it did not run the call (a
 *   draining `ServiceServer` does);
 * - idempotent calls (GET, HEAD, OPTIONS, PUT, DELETE, or any call marked idempotent) are also
 *   retried when the connection broke or a timeout fired, and on the [retryableStatuses];
 * - retries of a service stay within its retry budget: at most [budgetRatio] of its calls plus
 *   [minRetriesPerSecond] a second, so retries never multiply an outage.
 *
 * The default retries up to 3 attempts on 502, 503 and 504; [NONE] turns retries off.
 *
 * Where it is set, the most specific wins — for the policy and for idempotency alike: the call
 * (`RequestOptions.retry` / `idempotent`, a spec client's `Params`), then the spec endpoint
 * (`EndpointSpec.retry` / `idempotent`) or the interface method (`@Retry` / `@Idempotent`, on the method,
 * else on the interface), then the service (`ServiceSettings`, YAML `service-caller.services.<name>`),
 * then the manager (`ServiceManagerBuilder.retry`, YAML `service-caller.retry`); a call not marked at any
 * level is idempotent by its HTTP method. A YAML `retry` section of a service or of a spec endpoint, and
 * `@Retry`, set only the keys they name: the others come from the policy that applies below them.
 */
public class RetryPolicy private constructor(
    builder: Builder,
) {
    /** How many attempts a call makes at most, the first included. */
    public val maxAttempts: Int = builder.maxAttempts

    /** The statuses after which an idempotent call is retried. */
    public val retryableStatuses: Set<Int> = builder.retryableStatuses.toSet()

    /** How long one attempt may take before an idempotent call goes on to another instance; null for all that remains of the call. */
    public val attemptTimeout: java.time.Duration? = builder.attemptTimeout

    /** The share of a service's calls that may be retries (the budget's ratio). */
    public val budgetRatio: Double = builder.budgetRatio

    /** Retries a service may make each second whatever its traffic (the budget's floor). */
    public val minRetriesPerSecond: Int = builder.minRetriesPerSecond

    /** The pause before the second retry of a call; each later one doubles it, up to [maxBackoff]. The first retry goes at once. */
    public val initialBackoff: java.time.Duration = builder.initialBackoff

    /** The longest pause between two retries. */
    public val maxBackoff: java.time.Duration = builder.maxBackoff

    /** How long an idempotent call's attempt may go unanswered before another one starts on another instance; null for no hedging. */
    public val hedgingDelay: java.time.Duration? = builder.hedgingDelay

    /** A builder starting from this policy. */
    public fun newBuilder(): Builder = Builder(this)

    override fun toString(): String =
        "RetryPolicy(maxAttempts=$maxAttempts, retryableStatuses=$retryableStatuses, attemptTimeout=$attemptTimeout, " +
            "budget=$budgetRatio + $minRetriesPerSecond/s, backoff=${initialBackoff.toMillis()}..${maxBackoff.toMillis()} ms, " +
            "hedgingDelay=$hedgingDelay)"

    /** Builds a [RetryPolicy]. */
    public class Builder internal constructor(
        from: RetryPolicy?,
    ) {
        internal var maxAttempts: Int = from?.maxAttempts ?: 3
        internal var retryableStatuses: Set<Int> = from?.retryableStatuses ?: setOf(502, 503, 504)
        internal var budgetRatio: Double = from?.budgetRatio ?: 0.2
        internal var attemptTimeout: java.time.Duration? = from?.attemptTimeout

        /**
         * How long one attempt may take; when it passes, an idempotent call goes on to another instance (a
         * hung instance then costs that much, not the whole call). Unset by default: an attempt may take all
         * that remains of the call's deadline.
         */
        public fun attemptTimeout(timeout: java.time.Duration): Builder =
            apply {
                if (timeout.isNegative || timeout.isZero) throw ConfigurationException("attemptTimeout: $timeout (expected: > 0)")
                attemptTimeout = timeout
            }

        internal var minRetriesPerSecond: Int = from?.minRetriesPerSecond ?: 10
        internal var initialBackoff: java.time.Duration = from?.initialBackoff ?: java.time.Duration.ofMillis(50)
        internal var maxBackoff: java.time.Duration = from?.maxBackoff ?: java.time.Duration.ofSeconds(1)

        internal var hedgingDelay: java.time.Duration? = from?.hedgingDelay

        /**
         * Hedging, for idempotent calls: when an attempt has not answered after [delay], another one starts
         * on an instance the call has not tried, while the first goes on; the first answer wins and the
         * others are cancelled. Every hedge counts as an attempt ([maxAttempts]) and takes a retry from the
         * budget, so hedging never more than multiplies load by the budget's share. Off by default: it
         * trades extra load for tail latency. Null turns it off.
         */
        public fun hedging(delay: java.time.Duration?): Builder =
            apply {
                if (delay != null &&
                    (delay.isNegative || delay.isZero)
                ) {
                    throw ConfigurationException("hedging delay: $delay (expected: > 0)")
                }
                hedgingDelay = delay
            }

        /**
         * The pauses between retries: none before the first retry (it goes to another instance at once),
         * [initial] before the second, doubling up to [max]; each pause is drawn at random between half and
         * all of its value, so that callers retrying together spread out. 50 ms and 1 s by default.
         */
        public fun backoff(
            initial: java.time.Duration,
            max: java.time.Duration,
        ): Builder =
            apply {
                if (initial.isNegative) throw ConfigurationException("backoff initial: $initial (expected: >= 0)")
                if (max < initial) throw ConfigurationException("backoff max: $max (expected: >= initial $initial)")
                initialBackoff = initial
                maxBackoff = max
            }

        /** At most [attempts] attempts per call, the first included; 1 turns retries off. */
        public fun maxAttempts(attempts: Int): Builder =
            apply {
                if (attempts < 1) throw ConfigurationException("maxAttempts: $attempts (expected: >= 1)")
                maxAttempts = attempts
            }

        /** The statuses after which an idempotent call is retried; 502, 503 and 504 by default. */
        public fun retryableStatuses(vararg statuses: Int): Builder =
            apply {
                statuses.forEach { if (it !in 300..599) throw ConfigurationException("retryableStatuses: $it (expected: 300..599)") }
                retryableStatuses = statuses.toSet()
            }

        /** The retry budget: retries ≤ [ratio] of the calls plus [minPerSecond] a second; 0.2 and 10 by default. */
        public fun budget(
            ratio: Double,
            minPerSecond: Int,
        ): Builder =
            apply {
                if (!(ratio >= 0.0 && ratio.isFinite())) {
                    throw ConfigurationException(
                        "budget ratio: $ratio (expected: a finite number >= 0)",
                    )
                }
                if (minPerSecond < 0) throw ConfigurationException("budget minPerSecond: $minPerSecond (expected: >= 0)")
                budgetRatio = ratio
                minRetriesPerSecond = minPerSecond
            }

        /** The policy. */
        public fun build(): RetryPolicy = RetryPolicy(this)
    }

    /** Policies. */
    public companion object {
        /** Up to 3 attempts, on 502, 503 and 504, within a budget of 20% of calls plus 10 a second. */
        @JvmField
        public val DEFAULT: RetryPolicy = Builder(null).build()

        /** One attempt: no retries. */
        @JvmField
        public val NONE: RetryPolicy = Builder(null).maxAttempts(1).build()

        /** A builder starting from [DEFAULT]. */
        @JvmStatic
        public fun builder(): Builder = Builder(null)

        /** The header a server sets on a 503 to say it did not run the call, so any method may be retried elsewhere. */
        public const val NOT_PROCESSED_HEADER: String = "Switchboard-Not-Processed"

        /**
         * The header a server sets on an answer to steer the caller's retry: a whole number of milliseconds
         * to wait before retrying (instead of the backoff), or anything else (`-1`, say) for "do not retry
         * this call".
         */
        public const val PUSHBACK_HEADER: String = "Switchboard-Retry-Pushback-Ms"
    }
}
