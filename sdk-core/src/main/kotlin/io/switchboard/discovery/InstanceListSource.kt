package io.switchboard.discovery

import io.switchboard.ServiceInstance
import java.time.Duration
import java.time.Instant

/**
 * Where a service's instance list comes from now: the registry, live, or the instance snapshot on disk while
 * the registry is unreachable ([isStale]).
 *
 * @property serviceName the service.
 * @property instances the list served.
 * @property isStale whether the list comes from the snapshot rather than from the connected registry.
 * @property asOf when the registry last gave or confirmed the list; now for a live list.
 */
public class InstanceListSource internal constructor(
    public val serviceName: String,
    public val instances: List<ServiceInstance>,
    public val isStale: Boolean,
    public val asOf: Instant,
) {
    /** How old the list is: zero for a live one. */
    public val age: Duration get() = if (isStale) Duration.between(asOf, Instant.now()) else Duration.ZERO

    override fun toString(): String =
        "InstanceListSource($serviceName: ${instances.size} instance(s), ${if (isStale) "stale, as of $asOf" else "live"})"
}
