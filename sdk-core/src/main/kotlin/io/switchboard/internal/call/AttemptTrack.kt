package io.switchboard.internal.call

import io.switchboard.ServiceInstance

/** One attempt in flight on one instance: what [InstanceTracker.ended] needs to record it. */
internal class AttemptTrack(
    val tracker: InstanceTracker,
    val instance: ServiceInstance,
    val stat: InstanceStat,
    val startNanos: Long,
    /** Whether this attempt is the instance's probe after an ejection. */
    val probe: Boolean,
) {
    /** Set once the attempt is recorded, so that it is recorded once. */
    var ended: Boolean = false
}
