package io.switchboard.spi

import io.switchboard.ServiceInstance

/**
 * Read-only statistics a manager keeps per instance of one service, from its own calls, for load
 * balancers that weigh load or latency: `context.instanceStats` in [LoadBalancer.choose].
 *
 * Instances are matched by instance id. An instance the manager has not called yet reads as idle:
 * no attempt in flight, no latency sample ([NO_SAMPLE]), no failures. Reads are lock-free and cheap
 * (a map lookup); values change concurrently, so read each once per choice.
 */
public interface InstanceStats {
    /** The manager's attempts on [instance] that have not ended. */
    public fun inFlight(instance: ServiceInstance): Int

    /**
     * The peak-sensitive latency average of [instance], in nanoseconds: time to the response headers, raised
     * at once by a slower answer, lowered by faster ones (and by time without answers) over about ten seconds;
     * [NO_SAMPLE] before its first answer.
     */
    public fun latencyNanos(instance: ServiceInstance): Long

    /** The failed attempts on [instance] since its last success. */
    public fun consecutiveFailures(instance: ServiceInstance): Int

    /** Constants. */
    public companion object {
        /** What [latencyNanos] returns for an instance without a latency sample. */
        @JvmField
        public val NO_SAMPLE: Long = -1L

        /** Statistics of nothing: every instance idle, without samples (a context made outside a manager has these). */
        @JvmField
        public val NONE: InstanceStats =
            object : InstanceStats {
                override fun inFlight(instance: ServiceInstance): Int = 0

                override fun latencyNanos(instance: ServiceInstance): Long = NO_SAMPLE

                override fun consecutiveFailures(instance: ServiceInstance): Int = 0

                override fun toString(): String = "InstanceStats.NONE"
            }
    }
}
