package io.switchboard.internal.call

import io.switchboard.InstanceState
import io.switchboard.NoInstanceAvailableException
import io.switchboard.OutlierDetection
import io.switchboard.RequestContext
import io.switchboard.ServiceInstance
import io.switchboard.internal.closestName
import io.switchboard.service.DispatchProtocol
import io.switchboard.spi.LoadBalancer
import io.switchboard.spi.LoadBalancerFactory
import io.switchboard.spi.ServiceDiscovery
import java.util.concurrent.ConcurrentHashMap

/**
 * Step one of a call: the instances of the service from discovery, the eligible ones (healthy, weight
 * above 0, not ejected), and the balancer's choice among them — or a [NoInstanceAvailableException] that
 * says why. It also keeps each instance's statistics ([attemptStarted], [attemptEnded]), which drive
 * outlier ejection and the load-aware balancers.
 *
 * Per-service state (the balancer, the retry budget, the [InstanceTracker] with the instances'
 * statistics and the view of the last list) exists only for services that had instances, so calls to
 * unknown names leave nothing behind, and it is dropped once a service has not been called for [idleNanos].
 */
internal class InstanceSelector(
    private val discovery: ServiceDiscovery,
    private val balancerFactory: (String) -> LoadBalancerFactory,
    private val idleNanos: Long = DEFAULT_IDLE_NANOS,
    private val outlierDetection: (String) -> OutlierDetection = { OutlierDetection.DEFAULT },
    /** Told of each service the first time it has state here, with the instances it had then. */
    private val onNewService: (String, List<ServiceInstance>) -> Unit = { _, _ -> },
    /** The manager's instance listeners, told of ejections. */
    private val listeners: () -> List<io.switchboard.spi.InstanceEventListener> = { emptyList() },
) {
    private val services = ConcurrentHashMap<String, ServiceState>()

    @Volatile
    private var lastSweep = System.nanoTime()

    /**
     * The instance for the next attempt of [context]'s call: never one of [tried] while others remain, never
     * an ejected one. The first attempt ([tried] null) counts towards the service's retry budget. A choice
     * without [countCall] (a proxy picking its channel) claims no probe: the call it pins does.
     */
    suspend fun choose(
        context: RequestContext,
        tried: List<ServiceInstance>? = null,
        countCall: Boolean = true,
    ): ServiceInstance {
        val serviceName = context.serviceName
        val all = discovery.instances(serviceName)
        val state = services[serviceName] ?: newState(serviceName, all)
        // a shared field, written only when stale enough to matter for the idle sweep
        if (context.startNanos - state.lastUsed > idleNanos / 16) state.lastUsed = context.startNanos
        val tracker = state.tracker
        var candidates = tracker.available(all)
        if (candidates.isEmpty()) throw noInstance(serviceName, all)
        if (tried == null && countCall) state.budget.recordCall()
        context.instanceStats = tracker
        var round = 1
        while (true) {
            val chosen = pick(state, candidates, tried, context)
            // an instance whose ejection just ended takes one attempt, its probe; a call that lost it to another chooses again
            if (!countCall || round == MAX_ROUNDS || tracker.admit(chosen, context)) return chosen
            round++
            candidates = tracker.available(all)
        }
    }

    private fun pick(
        state: ServiceState,
        candidates: List<ServiceInstance>,
        tried: List<ServiceInstance>?,
        context: RequestContext,
    ): ServiceInstance {
        if (tried != null) {
            // a retry: a random untried instance, leaving the balancer's rotation to first attempts
            val fresh = untried(candidates, tried, context)
            if (fresh.isNotEmpty()) {
                return fresh[
                    java.util.concurrent.ThreadLocalRandom
                        .current()
                        .nextInt(fresh.size),
                ]
            }
        }
        val pinned = context.pinnedInstance
        if (pinned != null && candidates.contains(pinned)) return pinned
        return state.balancer.choose(candidates, context)
    }

    /**
     * Counts an attempt of [context] on [instance] (just chosen) as started: in flight from now until
     * [attemptEnded], which must follow whatever happens.
     */
    fun attemptStarted(
        context: RequestContext,
        instance: ServiceInstance,
    ): AttemptTrack {
        // choose left the service's tracker on the context; else the service's state was dropped meanwhile
        val tracker =
            context.instanceStats as? InstanceTracker
                ?: services[context.serviceName]?.tracker
                ?: InstanceTracker(context.serviceName, OutlierDetection.DISABLED)
        return tracker.started(instance, context)
    }

    /**
     * Records the end of the attempt [track] of [context]: its latency, and as its outcome [failure] (null
     * when it threw nothing) or else the status in `context.response`. Call it before the context moves on to
     * another attempt; a second call for the same attempt does nothing.
     */
    fun attemptEnded(
        track: AttemptTrack,
        context: RequestContext,
        failure: Throwable?,
    ) {
        if (track.ended) return
        track.ended = true
        track.tracker.ended(track, context, failure)
    }

    /** [attemptEnded] for one of several concurrent attempts (hedging): its own [status] and the time its answer came ([answeredNanos], 0 for none). */
    fun attemptEnded(
        track: AttemptTrack,
        context: RequestContext,
        failure: Throwable?,
        status: Int?,
        answeredNanos: Long,
    ) {
        if (track.ended) return
        track.ended = true
        track.tracker.ended(track, context, failure, status, answeredNanos)
    }

    /** The state of each instance of [serviceName], as of the last list its calls saw; empty when it has none. */
    fun states(serviceName: String): List<InstanceState> = services[serviceName]?.tracker?.states() ?: emptyList()

    private fun newState(
        serviceName: String,
        all: List<ServiceInstance>,
    ): ServiceState {
        if (all.isEmpty()) throw noInstance(serviceName, all)
        sweep()
        var made = false
        val state =
            services.computeIfAbsent(serviceName) {
                made = true
                ServiceState(balancerFactory(it).create(it), InstanceTracker(it, outlierDetection(it), listeners))
            }
        if (made) onNewService(serviceName, all)
        return state
    }

    /** Drops the state of services not called for a while; runs at most once per idle period. */
    private fun sweep() {
        val now = System.nanoTime()
        if (now - lastSweep < idleNanos) return
        lastSweep = now
        services.entries.removeIf { now - it.value.lastUsed > idleNanos }
    }

    private fun noInstance(
        serviceName: String,
        all: List<ServiceInstance>,
    ): NoInstanceAvailableException {
        val message =
            if (all.isEmpty()) {
                val known = discovery.knownServices()
                val hint = closestName(serviceName, known)?.let { " Did you mean '$it'?" } ?: ""
                "no instances of service '$serviceName' are registered in ${discovery.description}." + hint +
                    (if (known.isNotEmpty()) " Known services: ${known.sorted().joinToString(", ")}." else "") +
                    " Register an instance or check the service name."
            } else {
                "service '$serviceName' has ${all.size} instance(s) but none is healthy with a weight above 0: " +
                    all.joinToString(", ") + ". Mark one healthy or give it a weight."
            }
        return NoInstanceAvailableException(serviceName, all, message)
    }

    /** Whether [context]'s service has an eligible instance its call has not tried yet (the current one counts as tried). */
    suspend fun hasUntried(context: RequestContext): Boolean {
        val state = services[context.serviceName] ?: return false
        val tried = context.triedInstances() + listOfNotNull(context.selectedInstance)
        return untried(state.tracker.available(discovery.instances(context.serviceName)), tried, context).isNotEmpty()
    }

    /**
     * [candidates] not in [tried] (compared by instance id, so a changed weight does not make one new), and,
     * for a call pinned to an instance's channel, only instances advertising the same channels.
     */
    private fun untried(
        candidates: List<ServiceInstance>,
        tried: List<ServiceInstance>,
        context: RequestContext,
    ): List<ServiceInstance> {
        val channels = context.pinnedInstance?.metadata?.get(DispatchProtocol.CHANNELS_METADATA)
        return candidates.filter { candidate ->
            tried.none { it.instanceId == candidate.instanceId && it.serviceName == candidate.serviceName } &&
                (context.pinnedInstance == null || candidate.metadata[DispatchProtocol.CHANNELS_METADATA] == channels)
        }
    }

    /** A random eligible instance of [context]'s service not in [tried]; null when every one was tried. */
    suspend fun untriedOrNull(
        context: RequestContext,
        tried: List<ServiceInstance>,
    ): ServiceInstance? {
        val state = services[context.serviceName] ?: return null
        val fresh = untried(state.tracker.available(discovery.instances(context.serviceName)), tried, context)
        return if (fresh.isEmpty()) {
            null
        } else {
            fresh[
                java.util.concurrent.ThreadLocalRandom
                    .current()
                    .nextInt(fresh.size),
            ]
        }
    }

    /** Takes a retry from [serviceName]'s budget, if it has one. */
    fun tryRetry(
        serviceName: String,
        ratio: Double,
        minPerSecond: Int,
    ): Boolean = services[serviceName]?.budget?.tryRetry(ratio, minPerSecond) ?: false

    /** One service's balancer, retry budget and instances' statistics (with the view of its last instance list). */
    private class ServiceState(
        val balancer: LoadBalancer,
        val tracker: InstanceTracker,
    ) {
        val budget = RetryBudget()

        @Volatile
        var lastUsed: Long = System.nanoTime()
    }

    companion object {
        /** Ten minutes. */
        const val DEFAULT_IDLE_NANOS: Long = 600_000_000_000L

        /** How many choices a call makes at most when the instances it picks turn out ejected or probed by another call. */
        private const val MAX_ROUNDS = 3
    }
}
