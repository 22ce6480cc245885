package io.switchboard.balancer

import io.switchboard.RequestContext
import io.switchboard.ServiceInstance
import io.switchboard.spi.InstanceStats
import io.switchboard.spi.LoadBalancer

/**
 * Power of two choices on expected latency: of two instances drawn at random, the one with the lower cost
 * `latency × (inFlight + 1) / weight`, where latency is the peak-sensitive average the manager keeps per
 * instance ([InstanceStats.latencyNanos]: a slow answer raises it at once, faster ones lower it over
 * about ten seconds). An instance without a sample yet is costed at the other's latency, so it is compared
 * by load alone, and wins a tie: new instances get tried. When neither has a sample, load decides. Costs
 * are at least one nanosecond per call, so load counts between instances that answer in no measurable time. A slow or hung instance
 * stops attracting calls by itself: its calls pile up and its latency (a timeout counts as one) rises.
 */
public class PeakEwmaLoadBalancer : LoadBalancer {
    override fun choose(
        instances: List<ServiceInstance>,
        context: RequestContext,
    ): ServiceInstance =
        powerOfTwoChoices(instances) { a, b ->
            val stats = context.instanceStats
            val sampledA = stats.latencyNanos(a)
            val sampledB = stats.latencyNanos(b)
            // an instance without a sample is costed at the other's latency (load alone decides) and wins a tie, so it gets one
            val latencyA = maxOf(if (sampledA < 0) sampledB else sampledA, 1L).toDouble()
            val latencyB = maxOf(if (sampledB < 0) sampledA else sampledB, 1L).toDouble()
            val costA = latencyA * (stats.inFlight(a) + 1) * b.weight
            val costB = latencyB * (stats.inFlight(b) + 1) * a.weight
            when {
                costA < costB -> a
                costB < costA -> b
                sampledB < 0 && sampledA >= 0 -> b
                else -> a
            }
        }
}
