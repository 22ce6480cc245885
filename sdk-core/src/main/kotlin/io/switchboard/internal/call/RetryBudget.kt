package io.switchboard.internal.call

import java.util.concurrent.atomic.LongAdder

/**
 * One service's retry budget: over a sliding ten-second window, retries may be at most `ratio` of the
 * calls plus `minPerSecond` a second. Counting a call costs one uncontended-by-design increment; the
 * rare retry takes a lock.
 */
internal class RetryBudget {
    private val calls = LongAdder()
    private var windowStart = System.nanoTime()
    private var callsAtStart = 0L
    private var retries = 0L

    fun recordCall() {
        calls.increment()
    }

    /** Takes one retry from the budget if it has one. */
    @Synchronized
    fun tryRetry(
        ratio: Double,
        minPerSecond: Int,
    ): Boolean {
        val now = System.nanoTime()
        if (now - windowStart > WINDOW_NANOS) {
            windowStart = now
            callsAtStart = calls.sum()
            retries = 0
        }
        val seconds = maxOf(1.0, (now - windowStart) / 1e9)
        val allowed = ratio * (calls.sum() - callsAtStart) + minPerSecond * seconds
        if (retries + 1 > allowed) return false
        retries++
        return true
    }

    private companion object {
        private const val WINDOW_NANOS = 10_000_000_000L
    }
}
