package io.switchboard.internal.call

import io.switchboard.NoInstanceAvailableException
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
 * above 0), and the balancer's choice among them — or a [NoInstanceAvailableException] that says why.
 *
 * Per-service state (the balancer and the eligible view of the last list) exists only for services
 * that had instances, so calls to unknown names leave nothing behind, and it is dropped once a
 * service has not been called for [idleNanos].
 */
internal class InstanceSelector(
    private val discovery: ServiceDiscovery,
    private val balancerFactory: (String) -> LoadBalancerFactory,
    private val idleNanos: Long = DEFAULT_IDLE_NANOS,
) {
    private val services = ConcurrentHashMap<String, ServiceState>()

    @Volatile
    private var lastSweep = System.nanoTime()

    /**
     * The instance for the next attempt of [context]'s call: never one of [tried] while others remain.
     * The first attempt ([tried] null) counts towards the service's retry budget.
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
        val candidates = state.eligibleOf(all)
        if (candidates.isEmpty()) throw noInstance(serviceName, all)
        if (tried == null && countCall) state.budget.recordCall()
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

    private fun newState(
        serviceName: String,
        all: List<ServiceInstance>,
    ): ServiceState {
        if (all.isEmpty()) throw noInstance(serviceName, all)
        sweep()
        return services.computeIfAbsent(serviceName) { ServiceState(balancerFactory(it).create(it)) }
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
        return untried(state.eligibleOf(discovery.instances(context.serviceName)), tried, context).isNotEmpty()
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
        val fresh = untried(state.eligibleOf(discovery.instances(context.serviceName)), tried, context)
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

    /** One service's balancer, retry budget and the eligible view of its last instance list (one stable list object per registry version). */
    private class ServiceState(
        val balancer: LoadBalancer,
    ) {
        val budget = RetryBudget()

        @Volatile
        var lastUsed: Long = System.nanoTime()

        @Volatile
        private var view: Pair<List<ServiceInstance>, List<ServiceInstance>>? = null

        fun eligibleOf(all: List<ServiceInstance>): List<ServiceInstance> {
            val cached = view
            if (cached != null && cached.first === all) return cached.second
            val eligible = if (all.all { it.isEligible }) all else all.filter { it.isEligible }
            view = all to eligible
            return eligible
        }
    }

    companion object {
        /** Ten minutes. */
        const val DEFAULT_IDLE_NANOS: Long = 600_000_000_000L
    }
}
