package io.switchboard.balancer

import io.switchboard.RequestContext
import io.switchboard.ServiceInstance

/**
 * Smooth weighted round robin: over a cycle each instance gets calls in proportion to its weight, and
 * the calls are interleaved (weights 5:1:1 give A A B A C A A, never five A in a row).
 *
 * Each instance carries a running score; every choice adds each weight to its score, takes the
 * highest, and lowers the winner by the total weight. Scores survive instance-list changes for the
 * instances that stay.
 */
public class WeightedRoundRobinLoadBalancer : LoadBalancer {
    private var source: List<ServiceInstance>? = null
    private var scores = DoubleArray(0)

    @Synchronized
    override fun choose(
        instances: List<ServiceInstance>,
        context: RequestContext,
    ): ServiceInstance {
        if (instances.size == 1) return instances[0]
        if (instances !== source) adopt(instances)
        var total = 0.0
        var best = 0
        for (i in instances.indices) {
            val weight = instances[i].weight
            scores[i] += weight
            total += weight
            if (scores[i] > scores[best]) best = i
        }
        scores[best] -= total
        return instances[best]
    }

    private fun adopt(instances: List<ServiceInstance>) {
        val previous = source
        if (previous != null && previous == instances) {
            source = instances
            return
        }
        val kept = HashMap<String, Double>()
        previous?.forEachIndexed { i, instance -> kept[instance.instanceId] = scores[i] }
        scores = DoubleArray(instances.size) { kept[instances[it].instanceId] ?: 0.0 }
        source = instances
    }
}
