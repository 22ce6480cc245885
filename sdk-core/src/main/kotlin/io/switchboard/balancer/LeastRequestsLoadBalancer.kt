package io.switchboard.balancer

import io.switchboard.RequestContext
import io.switchboard.ServiceInstance
import io.switchboard.spi.LoadBalancer

/**
 * Power of two choices on attempts in flight: of two instances drawn at random, the one with fewer of the
 * manager's attempts in flight per unit of weight (`(inFlight + 1) / weight`; ties go to either). O(1) per
 * choice, and a slow or hung instance — whose calls pile up — stops attracting new ones by itself.
 */
public class LeastRequestsLoadBalancer : LoadBalancer {
    override fun choose(
        instances: List<ServiceInstance>,
        context: RequestContext,
    ): ServiceInstance =
        powerOfTwoChoices(instances) { a, b ->
            val stats = context.instanceStats
            // (inFlightA + 1) / weightA <= (inFlightB + 1) / weightB, without dividing
            if ((stats.inFlight(a) + 1) * b.weight <= (stats.inFlight(b) + 1) * a.weight) a else b
        }
}
