package io.switchboard

import java.time.Duration
import java.time.Instant

/**
 * What one manager knows of one instance of a service, from its own calls: a snapshot, read with
 * `ServiceManager.instanceStates`.
 *
 * @property instance the instance, as in the service's current instance list.
 * @property inFlight the manager's attempts on it that have not ended.
 * @property latencyEwma its peak-sensitive latency average (time to the response headers; a slow answer
 *   raises it at once, faster ones lower it over about ten seconds); null before its first answer.
 * @property consecutiveFailures its failed attempts since the last success (see [OutlierDetection]).
 * @property ejected whether it is out of rotation: from its ejection until a probe call succeeds.
 * @property ejectedUntil when its current ejection ends (then the next call may probe it); null when it is
 *   not ejected. In the past while it waits for, or runs, its probe call.
 * @property timesEjected how many times it was ejected recently, the multiplier of its next ejection's
 *   length (it decays while the instance stays healthy).
 */
public class InstanceState internal constructor(
    public val instance: ServiceInstance,
    public val inFlight: Int,
    public val latencyEwma: Duration?,
    public val consecutiveFailures: Int,
    public val ejected: Boolean,
    public val ejectedUntil: Instant?,
    public val timesEjected: Int,
) {
    override fun toString(): String =
        "InstanceState(${instance.address}, inFlight=$inFlight, latencyEwma=${latencyEwma?.toMillis()?.let { "$it ms" }}, " +
            "consecutiveFailures=$consecutiveFailures, " + (if (ejected) "ejected until $ejectedUntil, " else "") +
            "timesEjected=$timesEjected)"
}
