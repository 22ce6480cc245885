package io.switchboard.balancer

import io.switchboard.ConfigurationException
import io.switchboard.spi.LoadBalancerFactory

/** The built-in strategies, by the names used in configuration. */
public object LoadBalancers {
    /** Each instance in turn. */
    public const val ROUND_ROBIN: String = "round_robin"

    /** A uniformly random instance. */
    public const val RANDOM: String = "random"

    /** Smooth weighted round robin: shares follow the weights, without bursts. */
    public const val WEIGHT_ROUND_ROBIN: String = "weight_round_robin"

    /** A random instance, with probability proportional to its weight. */
    public const val WEIGHT_RANDOM: String = "weight_random"

    /** Power of two choices on the attempts in flight (per unit of weight): [LeastRequestsLoadBalancer]. */
    public const val LEAST_REQUESTS: String = "least_requests"

    /** Power of two choices on latency × attempts in flight (per unit of weight): [PeakEwmaLoadBalancer]. */
    public const val PEAK_EWMA: String = "peak_ewma"

    private val factories: Map<String, LoadBalancerFactory> =
        linkedMapOf(
            ROUND_ROBIN to LoadBalancerFactory { RoundRobinLoadBalancer() },
            RANDOM to LoadBalancerFactory { RandomLoadBalancer() },
            WEIGHT_ROUND_ROBIN to LoadBalancerFactory { WeightedRoundRobinLoadBalancer() },
            WEIGHT_RANDOM to LoadBalancerFactory { WeightedRandomLoadBalancer() },
            LEAST_REQUESTS to LoadBalancerFactory { LeastRequestsLoadBalancer() },
            PEAK_EWMA to LoadBalancerFactory { PeakEwmaLoadBalancer() },
        )

    /** The names [factory] accepts. */
    @JvmStatic
    public val names: Set<String> get() = factories.keys

    /**
     * The factory of the strategy called [name].
     *
     * @throws ConfigurationException if no strategy has that name; the message lists the valid ones.
     */
    @JvmStatic
    public fun factory(name: String): LoadBalancerFactory =
        factories[name.trim()]
            ?: throw ConfigurationException(
                "load balancer '$name' is unknown (expected one of: ${names.joinToString(", ")})" +
                    (suggest(name)?.let { "; did you mean '$it'?" } ?: ""),
            )

    private fun suggest(name: String): String? {
        val normalized =
            name
                .trim()
                .lowercase()
                .replace('-', '_')
                .replace(' ', '_')
        return names.firstOrNull { it == normalized || it.replace("_", "") == normalized.replace("_", "") }
    }
}
