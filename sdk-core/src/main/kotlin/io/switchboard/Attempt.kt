package io.switchboard

import java.time.Duration

/**
 * One attempt of a call, in [RequestContext.attempts].
 *
 * @property instance where it went.
 * @property status the HTTP status it got, or null when none arrived.
 * @property failure why it failed, or null when it did not (a retried status is a failure with a status).
 * @property duration how long it took.
 */
public class Attempt internal constructor(
    public val instance: ServiceInstance,
    public val status: Int?,
    public val failure: Throwable?,
    public val duration: Duration,
) {
    override fun toString(): String =
        "${instance.address}: " + (status?.let { "HTTP $it" } ?: failure?.let { it.javaClass.simpleName + ": " + it.message } ?: "?") +
            " in ${duration.toMillis()} ms"
}
