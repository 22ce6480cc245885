package io.switchboard.balancer

import io.switchboard.ServiceInstance
import java.util.concurrent.ThreadLocalRandom

/**
 * Draws two distinct instances of [instances] at random and returns the one [better] picks; the only
 * instance when there is one. The draw shared by the load-aware balancers.
 */
internal inline fun powerOfTwoChoices(
    instances: List<ServiceInstance>,
    better: (ServiceInstance, ServiceInstance) -> ServiceInstance,
): ServiceInstance {
    val size = instances.size
    if (size == 1) return instances[0]
    val random = ThreadLocalRandom.current()
    val first = random.nextInt(size)
    var second = random.nextInt(size - 1)
    if (second >= first) second++
    return better(instances[first], instances[second])
}
