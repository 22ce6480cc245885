package io.switchboard.internal.call

import io.switchboard.RequestContext
import io.switchboard.spi.InstanceStats
import java.util.concurrent.atomic.AtomicInteger
import java.util.concurrent.atomic.AtomicLong
import kotlin.math.exp

/**
 * One instance's statistics within one service: attempts in flight, a peak-sensitive latency average and
 * failures in a row (lock-free, updated by every attempt), and its ejection state (changed only under its
 * [InstanceTracker]'s lock, read freely).
 */
internal class InstanceStat {
    private val inFlightCount = AtomicInteger()
    private val ewma = AtomicLong(InstanceStats.NO_SAMPLE)

    @Volatile
    private var lastSampleNanos: Long = 0
    private val failuresInARow = AtomicInteger()

    /** [ACTIVE], [EJECTED], [PROBE_READY] or [PROBING]. */
    @Volatile
    var phase: Int = ACTIVE

    /** When the current ejection ends (a [System.nanoTime] reading), while [phase] is not [ACTIVE]. */
    @Volatile
    var ejectedUntilNanos: Long = 0

    /** The multiplier of the next ejection, before decay ([InstanceTracker] lowers it while the instance stays healthy). */
    @Volatile
    var timesEjected: Int = 0

    /** When the instance last came back from an ejection; 0 when it never did. */
    @Volatile
    var returnedAtNanos: Long = 0

    /** The call whose next attempt is the probe, between its choice and its start. */
    @Volatile
    var probeOwner: RequestContext? = null

    /** When [probeOwner] claimed the probe. */
    @Volatile
    var probeClaimedNanos: Long = 0

    val inFlight: Int get() = inFlightCount.get()

    val consecutiveFailures: Int get() = failuresInARow.get()

    fun attemptStarted() {
        inFlightCount.incrementAndGet()
    }

    fun attemptEnded() {
        inFlightCount.decrementAndGet()
    }

    /** A success ends the failures in a row (written only when there were some: no shared write on the common path). */
    fun succeeded() {
        if (failuresInARow.get() != 0) failuresInARow.set(0)
    }

    /** Counts a failure; returns the failures in a row. */
    fun failed(): Int = failuresInARow.incrementAndGet()

    /** The latency average at [now], decayed towards zero for the time without samples; [InstanceStats.NO_SAMPLE] before the first. */
    fun latencyNanos(now: Long): Long {
        val value = ewma.get()
        if (value < 0) return InstanceStats.NO_SAMPLE
        val idle = now - lastSampleNanos
        return if (idle <= 0) value else (value * exp(-idle / DECAY_NANOS)).toLong()
    }

    /**
     * Adds a latency sample: a slower one than the average replaces it at once, a faster one moves it by the
     * weight of the time since the last sample. With [raiseOnly] (a failed attempt) it never lowers it.
     */
    fun sample(
        latencyNanos: Long,
        now: Long,
        raiseOnly: Boolean,
    ) {
        val latency = maxOf(latencyNanos, 0L)
        while (true) {
            val old = ewma.get()
            val next =
                when {
                    old < 0 || latency >= old -> {
                        latency
                    }

                    raiseOnly -> {
                        return
                    }

                    else -> {
                        val weight = exp(-maxOf(now - lastSampleNanos, 0L) / DECAY_NANOS)
                        (old * weight + latency * (1 - weight)).toLong()
                    }
                }
            if (ewma.compareAndSet(old, next)) {
                lastSampleNanos = now
                return
            }
        }
    }

    companion object {
        const val ACTIVE = 0
        const val EJECTED = 1
        const val PROBE_READY = 2
        const val PROBING = 3

        /** The time constant of the latency average: ten seconds. */
        private const val DECAY_NANOS = 10e9
    }
}
