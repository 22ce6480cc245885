package io.switchboard.registry.nacos

import io.switchboard.ServiceInstance
import java.time.Duration
import java.time.Instant

/**
 * How fresh the instance list of one service is.
 *
 * @property serviceName the service.
 * @property instances the list being served.
 * @property updatedAt when the list last changed (or was first read).
 * @property emptyPushHeldBackSince when an empty push began to be held back; null when none is.
 */
public class InstanceListStatus(
    public val serviceName: String,
    public val instances: List<ServiceInstance>,
    public val updatedAt: Instant,
    public val emptyPushHeldBackSince: Instant?,
) {
    /** How long ago the list last changed. */
    public val age: Duration get() = Duration.between(updatedAt, Instant.now())

    override fun toString(): String =
        "InstanceListStatus($serviceName: ${instances.size} instance(s), updated ${age.toMillis()} ms ago" +
            (emptyPushHeldBackSince?.let { ", empty push held back since $it" } ?: "") + ")"
}
