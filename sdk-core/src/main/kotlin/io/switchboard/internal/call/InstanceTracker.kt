package io.switchboard.internal.call

import io.switchboard.InstanceState
import io.switchboard.OutlierDetection
import io.switchboard.RequestContext
import io.switchboard.ServiceInstance
import io.switchboard.spi.InstanceStats
import java.time.Duration
import java.time.Instant
import java.util.concurrent.ConcurrentHashMap

/**
 * One service's instances as its calls see them: the statistics of each ([InstanceStat], by instance id,
 * dropped when the instance leaves the list), passive outlier ejection by [policy], and the instances a
 * call may go to — eligible (healthy, weight above zero) and not ejected.
 *
 * That view is cached per instance-list object and ejection version, so while nothing is ejected a choice
 * costs two volatile reads and hands the balancer the same list object. Ejection changes are rare and take
 * a lock; attempts update their statistics with atomics only.
 */
internal class InstanceTracker(
    private val serviceName: String,
    private val policy: OutlierDetection,
    listeners: () -> List<io.switchboard.spi.InstanceEventListener> = { emptyList() },
) : InstanceStats {
    private val stats = ConcurrentHashMap<String, InstanceStat>()
    private val events = EjectionEvents(serviceName, listeners)
    private val lock = Any()

    @Volatile
    private var view: View? = null

    /** Bumped (under [lock]) whenever an instance leaves or re-enters the view through ejection. */
    @Volatile
    private var version: Int = 0

    /** How many instances are not [InstanceStat.ACTIVE]: 0 keeps every call on the fast path. */
    @Volatile
    private var outCount: Int = 0

    private val baseNanos = policy.baseEjection.toNanos()
    private val maxNanos = policy.maxEjection.toNanos()

    /** The instances of [all] a call may go to: eligible and not ejected (all eligible ones should ejection leave none). */
    fun available(all: List<ServiceInstance>): List<ServiceInstance> = current(all) ?: rebuild(all)

    /** The cached view when it is still the one for [all]; null when it must be rebuilt. */
    private fun current(all: List<ServiceInstance>): List<ServiceInstance>? {
        val cached = view ?: return null
        if (cached.all !== all || cached.version != version) return null
        return if (!cached.expires || System.nanoTime() - cached.nextExpiryNanos < 0) cached.available else null
    }

    private fun rebuild(all: List<ServiceInstance>): List<ServiceInstance> =
        synchronized(lock) {
            // another call may have rebuilt it while this one waited for the lock
            current(all)?.let { return it }
            val previous = view
            val sameList = previous != null && previous.all === all
            if (!sameList && stats.isNotEmpty()) prune(all)
            val now = System.nanoTime()
            var expires = false
            var nextExpiry = 0L
            if (outCount > 0) {
                for ((id, stat) in stats) {
                    val ends =
                        when {
                            stat.phase == InstanceStat.EJECTED -> stat.ejectedUntilNanos

                            // a probe claimed by a call that never started it (cancelled in between) is given to the next call
                            stat.phase == InstanceStat.PROBING && stat.probeOwner != null -> stat.probeClaimedNanos + UNSTARTED_PROBE_NANOS

                            else -> continue
                        }
                    if (now - ends >= 0) {
                        stat.phase = InstanceStat.PROBE_READY
                        stat.probeOwner = null
                        version++
                        events.probeReady(id)
                    } else if (!expires || ends - nextExpiry < 0) {
                        expires = true
                        nextExpiry = ends
                    }
                }
            }
            val eligible =
                when {
                    sameList -> previous!!.eligible
                    all.all { it.isEligible } -> all
                    else -> all.filter { it.isEligible }
                }
            val available =
                if (outCount == 0) {
                    eligible
                } else {
                    eligible
                        .filter {
                            stats[it.instanceId]?.phase.let { phase ->
                                phase != InstanceStat.EJECTED &&
                                    phase != InstanceStat.PROBING
                            }
                        }.ifEmpty { eligible }
                }
            view = View(all, version, eligible, available, expires, nextExpiry)
            available
        }

    /** Drops the statistics of instances no longer in [all]. */
    private fun prune(all: List<ServiceInstance>) {
        val ids = all.mapTo(HashSet(all.size * 2)) { it.instanceId }
        val gone = stats.entries.filter { it.key !in ids }
        for ((id, stat) in gone) {
            stats.remove(id, stat)
            if (stat.phase != InstanceStat.ACTIVE) {
                // an attempt still running on it then finds it detached, and changes no count
                stat.phase = InstanceStat.ACTIVE
                outCount--
                version++
            }
        }
    }

    /**
     * Whether [instance], just chosen for an attempt of [context], may take it: yes unless it is ejected or
     * another call holds its probe. An instance whose ejection is over takes this attempt as its one probe.
     */
    fun admit(
        instance: ServiceInstance,
        context: RequestContext,
    ): Boolean {
        if (outCount == 0) return true
        val stat = stats[instance.instanceId] ?: return true
        if (stat.phase == InstanceStat.ACTIVE) return true
        synchronized(lock) {
            return when (stat.phase) {
                InstanceStat.ACTIVE -> {
                    true
                }

                InstanceStat.PROBE_READY -> {
                    stat.phase = InstanceStat.PROBING
                    stat.probeClaimedNanos = System.nanoTime()
                    stat.probeOwner = context
                    version++
                    true
                }

                else -> {
                    false
                }
            }
        }
    }

    /** Counts an attempt of [context] on [instance] as started; hand the result to [ended]. */
    fun started(
        instance: ServiceInstance,
        context: RequestContext,
    ): AttemptTrack {
        val stat = stats[instance.instanceId] ?: stats.computeIfAbsent(instance.instanceId) { InstanceStat() }
        stat.attemptStarted()
        val probe = stat.probeOwner === context && takeProbe(stat, context)
        return AttemptTrack(this, instance, stat, System.nanoTime(), probe)
    }

    private fun takeProbe(
        stat: InstanceStat,
        context: RequestContext,
    ): Boolean =
        synchronized(lock) {
            val mine = stat.probeOwner === context && stat.phase == InstanceStat.PROBING
            if (mine) stat.probeOwner = null
            mine
        }

    /** Records how the attempt of [track] ended: its latency, and its outcome towards ejection. */
    fun ended(
        track: AttemptTrack,
        context: RequestContext,
        failure: Throwable?,
        status: Int? = context.response?.status,
        answered: Long = context.responseNanos,
    ) {
        val stat = track.stat
        stat.attemptEnded()
        val now = System.nanoTime()
        val outcome = AttemptOutcome.of(context, status, failure)
        val latency = (if (answered != 0L && answered - track.startNanos >= 0) answered else now) - track.startNanos
        when (outcome) {
            AttemptOutcome.SUCCESS -> {
                stat.sample(latency, now, raiseOnly = false)
                stat.succeeded()
                if (track.probe) probeEnded(track, stat, null, now)
            }

            AttemptOutcome.FAILURE, AttemptOutcome.REFUSED -> {
                // a failure never makes an instance look faster than it was
                stat.sample(latency, now, raiseOnly = true)
                val inARow = stat.failed()
                if (track.probe) {
                    probeEnded(track, stat, EjectionEvents.describe(status, failure), now)
                } else if (policy.enabled &&
                    stat.phase == InstanceStat.ACTIVE &&
                    (inARow >= policy.consecutiveFailures || (outcome == AttemptOutcome.REFUSED && policy.ejectOnConnectionRefused))
                ) {
                    eject(track.instance, stat, inARow, EjectionEvents.describe(status, failure), now)
                }
            }

            AttemptOutcome.DEADLINE -> {
                stat.sample(latency, now, raiseOnly = true)
                if (track.probe) probeReleased(stat)
            }

            AttemptOutcome.NEUTRAL -> {
                if (track.probe) probeReleased(stat)
            }
        }
    }

    private fun eject(
        instance: ServiceInstance,
        stat: InstanceStat,
        inARow: Int,
        why: String,
        now: Long,
    ) {
        val limit = maxEjected(view?.eligible?.size ?: 0)
        if (outCount >= limit) {
            // no room: said once per run of failures (when they reach the threshold), without taking the lock
            if (inARow == policy.consecutiveFailures || inARow == 1) {
                events.kept(instance, inARow, why, outCount, view?.eligible?.size ?: 0, policy.maxEjectedShare)
            }
            return
        }
        synchronized(lock) {
            if (stat.phase != InstanceStat.ACTIVE || stats[instance.instanceId] !== stat) return
            val eligible = view?.eligible ?: return
            if (eligible.none { it.instanceId == instance.instanceId }) return
            val out = eligible.count { (stats[it.instanceId]?.phase ?: InstanceStat.ACTIVE) != InstanceStat.ACTIVE }
            if (out >= maxEjected(eligible.size)) {
                // said once per run of failures, when it first reaches the threshold
                if (inARow == policy.consecutiveFailures || inARow == 1) {
                    events.kept(instance, inARow, why, out, eligible.size, policy.maxEjectedShare)
                }
                return
            }
            val times = decayedTimes(stat, now) + 1
            val length = ejectionNanos(times)
            stat.timesEjected = times
            stat.ejectedUntilNanos = now + length
            stat.phase = InstanceStat.EJECTED
            outCount++
            version++
            events.ejected(instance, length, inARow, why, out + 1, eligible.size)
        }
    }

    /** A probe ended: back in rotation without [failure], ejected again (for longer) with one. */
    private fun probeEnded(
        track: AttemptTrack,
        stat: InstanceStat,
        failure: String?,
        now: Long,
    ) {
        synchronized(lock) {
            if (stat.phase != InstanceStat.PROBING) return
            version++
            if (failure == null) {
                stat.phase = InstanceStat.ACTIVE
                stat.returnedAtNanos = now
                outCount--
                events.returned(track.instance, stat.timesEjected)
            } else {
                val times = stat.timesEjected + 1
                val length = ejectionNanos(times)
                stat.timesEjected = times
                stat.ejectedUntilNanos = now + length
                stat.phase = InstanceStat.EJECTED
                events.ejectedAgain(track.instance, length, failure)
            }
        }
    }

    /** A probe that said nothing about the instance (cancelled, say): the next call probes instead. */
    private fun probeReleased(stat: InstanceStat) {
        synchronized(lock) {
            if (stat.phase != InstanceStat.PROBING) return
            stat.phase = InstanceStat.PROBE_READY
            version++
        }
    }

    /** At most this many of [eligible] instances ejected at once: the share rounded down, at least one of two or more, never all. */
    private fun maxEjected(eligible: Int): Int {
        if (policy.maxEjectedShare <= 0.0 || eligible < 2) return 0
        return maxOf(1, (eligible * policy.maxEjectedShare).toInt()).coerceAtMost(eligible - 1)
    }

    private fun ejectionNanos(times: Int): Long = if (times >= maxNanos / baseNanos) maxNanos else minOf(baseNanos * times, maxNanos)

    /** The times ejected, less one for each base ejection time the instance stayed healthy since it returned. */
    private fun decayedTimes(
        stat: InstanceStat,
        now: Long,
    ): Int {
        val returned = stat.returnedAtNanos
        if (stat.phase != InstanceStat.ACTIVE || returned == 0L) return stat.timesEjected
        val healthyPeriods = (now - returned) / baseNanos
        return (stat.timesEjected - minOf(healthyPeriods, Int.MAX_VALUE.toLong()).toInt()).coerceAtLeast(0)
    }

    /** The state of each instance of the last list a call saw; empty before the first call. */
    fun states(): List<InstanceState> {
        val all = view?.all ?: return emptyList()
        val now = System.nanoTime()
        val wallNow = Instant.now()
        return all.map { instance ->
            val stat = stats[instance.instanceId]
            if (stat == null) {
                InstanceState(instance, 0, null, 0, false, null, 0)
            } else {
                val ejected = stat.phase != InstanceStat.ACTIVE
                InstanceState(
                    instance = instance,
                    inFlight = stat.inFlight,
                    latencyEwma = stat.latencyNanos(now).takeIf { it >= 0 }?.let(Duration::ofNanos),
                    consecutiveFailures = stat.consecutiveFailures,
                    ejected = ejected,
                    ejectedUntil = if (ejected) wallNow.plusNanos(stat.ejectedUntilNanos - now) else null,
                    timesEjected = decayedTimes(stat, now),
                )
            }
        }
    }

    override fun inFlight(instance: ServiceInstance): Int = stats[instance.instanceId]?.inFlight ?: 0

    override fun latencyNanos(instance: ServiceInstance): Long =
        stats[instance.instanceId]?.latencyNanos(System.nanoTime()) ?: InstanceStats.NO_SAMPLE

    override fun consecutiveFailures(instance: ServiceInstance): Int = stats[instance.instanceId]?.consecutiveFailures ?: 0

    override fun toString(): String = "InstanceStats($serviceName, ${stats.size} instance(s))"

    /** The instances a call may go to, for one instance list and ejection version. */
    private class View(
        val all: List<ServiceInstance>,
        val version: Int,
        val eligible: List<ServiceInstance>,
        val available: List<ServiceInstance>,
        /** Whether an ejection is running; it ends at [nextExpiryNanos]. */
        val expires: Boolean,
        val nextExpiryNanos: Long,
    )

    private companion object {
        /** How long a probe may stay claimed by a call that has not started it. */
        private const val UNSTARTED_PROBE_NANOS = 2_000_000_000L
    }
}
