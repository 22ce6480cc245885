package io.switchboard.spi

import io.switchboard.RequestContext
import io.switchboard.ServiceInstance

/**
 * Chooses the instance one call goes to.
 *
 * The manager creates one balancer per service (through a [LoadBalancerFactory]), so a balancer may
 * keep per-service state such as a round-robin position. It is called concurrently and must be
 * thread-safe. Java implements it with a lambda or a class.
 */
public fun interface LoadBalancer {
    /**
     * Returns one of [instances] for the call described by [context].
     *
     * [instances] is never empty and holds only eligible instances (healthy, weight above zero, not
     * ejected by outlier detection). While the registry reports no change and no ejection starts or ends,
     * the manager passes the same list object, so a balancer may cache work per list. A balancer that weighs
     * load or latency reads `context.instanceStats` ([InstanceStats]).
     */
    public fun choose(
        instances: List<ServiceInstance>,
        context: RequestContext,
    ): ServiceInstance
}

/**
 * Creates the [LoadBalancer] of one service. A manager creates one when a service first has instances, and
 * again after the service went ten minutes without calls (its state is dropped then), so a balancer keeps
 * nothing that must outlive such a pause.
 */
public fun interface LoadBalancerFactory {
    /** A new balancer for [serviceName]. */
    public fun create(serviceName: String): LoadBalancer
}
