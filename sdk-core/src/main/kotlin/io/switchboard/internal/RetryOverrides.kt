package io.switchboard.internal

import io.switchboard.RetryPolicy
import java.time.Duration

/**
 * A retry policy given in part — a YAML `retry` section, an `@Retry` annotation: the keys it sets, laid
 * over the policy the call would have without it (its service's, else the manager's) when the call is
 * made, so what it leaves out follows that policy.
 */
internal class RetryOverrides(
    val maxAttempts: Int? = null,
    val retryableStatuses: Set<Int>? = null,
    val attemptTimeout: Duration? = null,
    val budgetRatio: Double? = null,
    val minRetriesPerSecond: Int? = null,
    val initialBackoff: Duration? = null,
    val maxBackoff: Duration? = null,
    val hedgingDelay: Duration? = null,
) {
    /** The last base and what [over] made of it: a service's policy rarely changes, so most calls reuse it. */
    @Volatile
    private var last: Pair<RetryPolicy, RetryPolicy>? = null

    init {
        // the values are checked here, where they are read, and not first when a call uses them
        over(RetryPolicy.DEFAULT)
    }

    /** [base] with the keys set here replaced. */
    fun over(base: RetryPolicy): RetryPolicy {
        last?.let { (from, made) -> if (from === base) return made }
        val builder = base.newBuilder()
        maxAttempts?.let(builder::maxAttempts)
        retryableStatuses?.let { builder.retryableStatuses(*it.toIntArray()) }
        attemptTimeout?.let(builder::attemptTimeout)
        if (budgetRatio != null || minRetriesPerSecond != null) {
            builder.budget(budgetRatio ?: base.budgetRatio, minRetriesPerSecond ?: base.minRetriesPerSecond)
        }
        if (initialBackoff != null || maxBackoff != null) {
            builder.backoff(
                initialBackoff ?: base.initialBackoff,
                maxBackoff ?: maxOf(base.maxBackoff, initialBackoff ?: base.initialBackoff),
            )
        }
        hedgingDelay?.let(builder::hedging)
        return builder.build().also { last = base to it }
    }

    override fun toString(): String =
        "RetryOverrides(" +
            listOfNotNull(
                maxAttempts?.let { "maxAttempts=$it" },
                retryableStatuses?.let { "retryableStatuses=$it" },
                attemptTimeout?.let { "attemptTimeout=$it" },
                budgetRatio?.let { "budgetRatio=$it" },
                minRetriesPerSecond?.let { "minRetriesPerSecond=$it" },
                initialBackoff?.let { "initialBackoff=$it" },
                maxBackoff?.let { "maxBackoff=$it" },
                hedgingDelay?.let { "hedgingDelay=$it" },
            ).joinToString(", ") + ")"
}
