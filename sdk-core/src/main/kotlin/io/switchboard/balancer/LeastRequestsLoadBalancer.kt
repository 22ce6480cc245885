package io.switchboard.balancer

import io.switchboard.RequestContext
import io.switchboard.ServiceInstance
import io.switchboard.spi.LoadBalancer
import java.util.concurrent.ThreadLocalRandom

/**
 * Power of two choices on attempts in flight: of two instances drawn at random, the one with fewer of the
 * manager's attempts in flight per unit of weight (`(inFlight + 1) / weight`; ties go to either). O(1) per
 * choice, and a slow or hung instance — whose calls pile up — stops attracting new ones by itself.
 */
public class LeastRequestsLoadBalancer : LoadBalancer {
    override fun choose(
        instances: List<ServiceInstance>,
        context: RequestContext,
    ): ServiceInstance {
        val size = instances.size
        if (size == 1) return instances[0]
        val random = ThreadLocalRandom.current()
        val first = random.nextInt(size)
        var second = random.nextInt(size - 1)
        if (second >= first) second++
        val a = instances[first]
        val b = instances[second]
        val stats = context.instanceStats
        // (inFlightA + 1) / weightA <= (inFlightB + 1) / weightB, without dividing
        return if ((stats.inFlight(a) + 1) * b.weight <= (stats.inFlight(b) + 1) * a.weight) a else b
    }
}
