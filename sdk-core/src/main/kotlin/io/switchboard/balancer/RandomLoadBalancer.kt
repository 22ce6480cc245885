package io.switchboard.balancer

import io.switchboard.RequestContext
import io.switchboard.ServiceInstance
import io.switchboard.spi.LoadBalancer
import java.util.concurrent.ThreadLocalRandom

/** Sends each call to a uniformly random instance, ignoring weights. */
public class RandomLoadBalancer : LoadBalancer {
    override fun choose(
        instances: List<ServiceInstance>,
        context: RequestContext,
    ): ServiceInstance {
        if (instances.size == 1) return instances[0]
        return instances[ThreadLocalRandom.current().nextInt(instances.size)]
    }
}
