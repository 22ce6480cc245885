package io.switchboard.internal.call

import java.util.concurrent.atomic.LongAdder

/**
 * One service's retry budget, over the last ten seconds in one-second buckets: a retry is allowed while
 * the retries stay within `ratio` of the calls, and in any case up to `minPerSecond` retries in the
 * current second (the floor never accumulates). Counting a call is one increment; the rare retry takes
 * a lock.
 */
internal class RetryBudget {
    private val pendingCalls = LongAdder()
    private val calls = LongArray(BUCKETS)
    private val retries = LongArray(BUCKETS)
    private var second = System.nanoTime() / NANOS_PER_SECOND

    fun recordCall() {
        pendingCalls.increment()
    }

    /** Takes one retry from the budget if it has one. */
    @Synchronized
    fun tryRetry(
        ratio: Double,
        minPerSecond: Int,
    ): Boolean {
        val now = System.nanoTime() / NANOS_PER_SECOND
        // move to the current second, clearing the buckets that fell out of the window
        val steps = minOf(now - second, BUCKETS.toLong()).toInt()
        for (i in 1..steps) {
            val bucket = ((second + i) % BUCKETS).toInt()
            calls[bucket] = 0
            retries[bucket] = 0
        }
        second = now
        val current = (now % BUCKETS).toInt()
        calls[current] += pendingCalls.sumThenReset()
        val allowed = retries[current] < minPerSecond || retries.sum() + 1 <= ratio * calls.sum()
        if (allowed) retries[current]++
        return allowed
    }

    private companion object {
        private const val BUCKETS = 10
        private const val NANOS_PER_SECOND = 1_000_000_000L
    }
}
