package io.switchboard

import java.time.Duration
import kotlin.time.toJavaDuration

/**
 * Passive outlier ejection: an instance whose calls keep failing is taken out of rotation for a while,
 * judged by the outcomes of the manager's own calls (no health-check traffic).
 *
 * - An attempt fails when the connection could not be made or broke, a timeout of the attempt fired (the
 *   attempt timeout, the read or the connect timeout), or the instance answered 5xx. A 503 from a draining
 *   `ServiceServer` (it carries [RetryPolicy.NOT_PROCESSED_HEADER]) does not count, nor does a call the
 *   caller cancelled or whose whole deadline passed. Any other answer resets the count.
 * - After [consecutiveFailures] failures in a row, or at once on a refused connection when
 *   [ejectOnConnectionRefused], the instance is ejected for [baseEjection] × the times it was ejected,
 *   at most [maxEjection].
 * - When that time is over, the next call may go to it as a probe, while no other call does: a success
 *   puts it back in rotation, a failure ejects it again, for longer. Each [baseEjection] it then stays
 *   healthy lowers the count of times ejected by one.
 * - At most [maxEjectedShare] of a service's eligible instances are ejected at once, and never the last
 *   one, so a service whose every instance fails still gets calls (and its errors reach the callers).
 *
 * On by default ([DEFAULT]); [DISABLED] turns it off. Ejections are logged (WARN, and INFO on return) and
 * readable through `ServiceManager.instanceStates`.
 */
public class OutlierDetection private constructor(
    builder: Builder,
) {
    /** Whether instances are ejected at all. */
    public val enabled: Boolean = builder.enabled

    /** How many failed attempts in a row eject an instance. */
    public val consecutiveFailures: Int = builder.consecutiveFailures

    /** How long the first ejection lasts; each further one lasts this times the times ejected. */
    public val baseEjection: Duration = builder.baseEjection

    /** The longest an ejection lasts. */
    public val maxEjection: Duration = builder.maxEjection

    /** The largest share of a service's eligible instances that may be ejected at the same time (the last one never is). */
    public val maxEjectedShare: Double = builder.maxEjectedShare

    /** Whether a refused connection ejects the instance at once, without waiting for [consecutiveFailures]. */
    public val ejectOnConnectionRefused: Boolean = builder.ejectOnConnectionRefused

    /** A builder starting from this policy. */
    public fun newBuilder(): Builder = Builder(this)

    override fun toString(): String =
        if (!enabled) {
            "OutlierDetection(disabled)"
        } else {
            "OutlierDetection(consecutiveFailures=$consecutiveFailures, baseEjection=$baseEjection, maxEjection=$maxEjection, " +
                "maxEjectedShare=$maxEjectedShare, ejectOnConnectionRefused=$ejectOnConnectionRefused)"
        }

    /** Builds an [OutlierDetection]; every setter checks its value, [build] checks them together. */
    public class Builder internal constructor(
        from: OutlierDetection?,
    ) {
        internal var enabled: Boolean = from?.enabled ?: true
        internal var consecutiveFailures: Int = from?.consecutiveFailures ?: 5
        internal var baseEjection: Duration = from?.baseEjection ?: Duration.ofSeconds(30)
        internal var maxEjection: Duration = from?.maxEjection ?: Duration.ofSeconds(300)
        internal var maxEjectedShare: Double = from?.maxEjectedShare ?: 0.5
        internal var ejectOnConnectionRefused: Boolean = from?.ejectOnConnectionRefused ?: true

        /** Whether instances are ejected at all; on by default. */
        public fun enabled(enabled: Boolean): Builder = apply { this.enabled = enabled }

        /** How many failed attempts in a row eject an instance; 5 by default. */
        public fun consecutiveFailures(failures: Int): Builder =
            apply {
                if (failures < 1) throw ConfigurationException("consecutiveFailures: $failures (expected: >= 1)")
                consecutiveFailures = failures
            }

        /** How long the first ejection lasts (later ones: this times the times ejected); 30 s by default. */
        public fun baseEjection(duration: Duration): Builder = apply { baseEjection = ServiceSettings.positive("baseEjection", duration) }

        /** The longest an ejection lasts; 300 s by default. It may not be below [baseEjection]. */
        public fun maxEjection(duration: Duration): Builder = apply { maxEjection = ServiceSettings.positive("maxEjection", duration) }

        /** [baseEjection] for Kotlin callers. */
        @JvmSynthetic
        public fun baseEjection(duration: kotlin.time.Duration): Builder = baseEjection(duration.toJavaDuration())

        /** [maxEjection] for Kotlin callers. */
        @JvmSynthetic
        public fun maxEjection(duration: kotlin.time.Duration): Builder = maxEjection(duration.toJavaDuration())

        /** The largest share (0 to 1) of a service's eligible instances ejected at once; 0.5 by default. The last one never is. */
        public fun maxEjectedShare(share: Double): Builder =
            apply {
                if (!(share in 0.0..1.0)) throw ConfigurationException("maxEjectedShare: $share (expected: a number from 0 to 1)")
                maxEjectedShare = share
            }

        /** Whether a refused connection ejects the instance at once; true by default. */
        public fun ejectOnConnectionRefused(eject: Boolean): Builder = apply { ejectOnConnectionRefused = eject }

        /**
         * The policy.
         *
         * @throws ConfigurationException when [maxEjection] is below [baseEjection].
         */
        public fun build(): OutlierDetection {
            if (maxEjection < baseEjection) {
                throw ConfigurationException("maxEjection: $maxEjection is below baseEjection $baseEjection (expected: >= baseEjection)")
            }
            return OutlierDetection(this)
        }
    }

    /** Policies. */
    public companion object {
        /** 5 failures in a row (or one refused connection) eject for 30 s × times ejected, at most 300 s, at most half of the instances. */
        @JvmField
        public val DEFAULT: OutlierDetection = Builder(null).build()

        /** No ejection: every eligible instance stays in rotation whatever its calls do. */
        @JvmField
        public val DISABLED: OutlierDetection = Builder(null).enabled(false).build()

        /** A builder starting from [DEFAULT]. */
        @JvmStatic
        public fun builder(): Builder = Builder(null)
    }
}
