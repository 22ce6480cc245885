package io.switchboard.balancer

import io.switchboard.RequestContext
import io.switchboard.ServiceInstance
import io.switchboard.spi.LoadBalancer
import java.util.concurrent.atomic.AtomicInteger

/** Sends each call to the next instance in turn, ignoring weights. */
public class RoundRobinLoadBalancer : LoadBalancer {
    private val position = AtomicInteger()

    override fun choose(
        instances: List<ServiceInstance>,
        context: RequestContext,
    ): ServiceInstance {
        if (instances.size == 1) return instances[0]
        return instances[Math.floorMod(position.getAndIncrement(), instances.size)]
    }
}
