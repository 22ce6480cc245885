package io.switchboard.server

import java.time.Duration

/** One health check of a [ServiceServer]: returns whether the part it checks is healthy (or throws). */
public fun interface HealthCheck {
    /** True when healthy. */
    public fun check(): Boolean
}

/**
 * A registered [HealthCheck] with its limits.
 *
 * @property name the name shown on the health endpoint.
 * @property check the check.
 * @property failIfSlowerThan a check that takes longer counts as failed, and one that has not answered by then is
 *   reported DOWN without waiting for it; null for the default limit of 10 s.
 * @property cacheFor a result is reused this long before the check runs again; null to run it every time.
 */
public class HealthCheckRegistration(
    public val name: String,
    public val check: HealthCheck,
    public val failIfSlowerThan: Duration? = null,
    public val cacheFor: Duration? = null,
) {
    @Volatile
    internal var cached: Pair<Long, HealthResult>? = null

    /** The run in flight, if any: a check that hangs is not started again until it returns. */
    internal var running: java.util.concurrent.CompletableFuture<HealthResult?>? = null
}

/**
 * The outcome of one check.
 *
 * @property healthy whether it passed.
 * @property millis how long it took.
 * @property detail why it failed, when it did.
 */
public class HealthResult internal constructor(
    public val healthy: Boolean,
    public val millis: Long,
    public val detail: String? = null,
) {
    override fun toString(): String = "HealthResult(healthy=$healthy, millis=$millis${detail?.let { ", detail=$it" } ?: ""})"
}
