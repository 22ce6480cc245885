package io.switchboard.balancer

import io.switchboard.RequestContext
import io.switchboard.ServiceInstance
import io.switchboard.spi.LoadBalancer
import java.util.concurrent.ThreadLocalRandom

/** Sends each call to a random instance, with probability proportional to its weight. */
public class WeightedRandomLoadBalancer : LoadBalancer {
    @Volatile
    private var cache: Cumulative? = null

    override fun choose(
        instances: List<ServiceInstance>,
        context: RequestContext,
    ): ServiceInstance {
        if (instances.size == 1) return instances[0]
        val cumulative = cache?.takeIf { it.source === instances } ?: Cumulative(instances).also { cache = it }
        val point = ThreadLocalRandom.current().nextDouble(cumulative.total)
        var index = cumulative.sums.binarySearch(point)
        index = if (index >= 0) index + 1 else -index - 1
        return instances[index.coerceAtMost(instances.size - 1)]
    }

    /** Running sums of the weights of one instance list, for a binary search per call. */
    private class Cumulative(
        val source: List<ServiceInstance>,
    ) {
        val sums = DoubleArray(source.size)
        val total: Double

        init {
            var sum = 0.0
            source.forEachIndexed { i, instance ->
                sum += instance.weight
                sums[i] = sum
            }
            total = sum
        }
    }
}
