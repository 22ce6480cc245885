package io.switchboard.internal.call

import io.ktor.client.network.sockets.ConnectTimeoutException
import io.ktor.client.plugins.HttpRequestTimeoutException
import io.switchboard.RequestContext
import io.switchboard.RetryPolicy
import io.switchboard.ServiceSettings
import io.switchboard.SwitchboardException
import io.switchboard.internal.PooledConnectionException
import java.io.IOException
import java.net.ConnectException
import java.net.NoRouteToHostException
import java.util.concurrent.ThreadLocalRandom
import kotlin.coroutines.cancellation.CancellationException

/**
 * Whether a failed attempt is tried again on another instance: the [RetryPolicy] that applies (see
 * [policyFor]), the safety of repeating the call (see [isIdempotent]), what remains of the deadline and
 * the service's retry budget.
 */
internal class Retries(
    private val policy: RetryPolicy,
    private val services: Map<String, ServiceSettings>,
    private val selector: InstanceSelector,
) {
    /** Each service's own policy: set in code, else its YAML `retry` keys over the manager's policy. */
    private val servicePolicies: Map<String, RetryPolicy> =
        services.entries
            .mapNotNull { (name, settings) -> (settings.retry ?: settings.retryOverrides?.over(policy))?.let { name to it } }
            .toMap()

    /**
     * The call's policy: its own, else its endpoint's or method's keys over its service's policy, else its
     * service's, else the manager's.
     */
    fun policyFor(context: RequestContext): RetryPolicy {
        val options = context.options
        options.retry?.let { return it }
        val service = servicePolicies[context.serviceName] ?: policy
        return options.retryOverrides?.over(service) ?: service
    }

    /** After an attempt answered [status] (with [notProcessed] when the server said it did not run the call). */
    suspend fun afterStatus(
        context: RequestContext,
        policy: RetryPolicy,
        attempt: Int,
        status: Int,
        notProcessed: Boolean,
        pushback: String?,
        deadline: Deadline,
    ): Boolean {
        if (status < 300 || (!notProcessed && status !in policy.retryableStatuses)) return false // a success is never retried
        if (!notProcessed && !isIdempotent(context)) return false
        if (pushback == null) return mayRetry(context, policy, attempt, deadline)
        // the server steers the retry: a pause it asks for, or none at all
        val pause = pushback.trim().toLongOrNull()?.takeIf { it in 0..MAX_PUSHBACK_MILLIS } ?: return false
        return mayRetry(context, policy, attempt, deadline, pause * 1_000_000)
    }

    /** After an attempt failed with [failure] before any answer was handed over. */
    suspend fun afterFailure(
        context: RequestContext,
        policy: RetryPolicy,
        attempt: Int,
        failure: Throwable,
        deadline: Deadline,
    ): Boolean {
        if (failure is PooledConnectionException && isIdempotent(context) && firstFailureOnInstance(context)) {
            // the server most likely closed the idle connection: the same instance over a new one is fine
            context.retryPauseNanos = 0
            return attempt < policy.maxAttempts && withinDeadline(deadline, 0) &&
                selector.tryRetry(context.serviceName, policy.budgetRatio, policy.minRetriesPerSecond)
        }
        val safe =
            when {
                failure is CancellationException || failure is SwitchboardException -> false

                // the attempt's own timeout is like a read timeout; the whole call's deadline leaves nothing to retry with
                failure is HttpRequestTimeoutException -> context.attemptTimeout != null && isIdempotent(context)

                neverSent(failure) -> true

                failure is IOException -> isIdempotent(context)

                // reset, broken pipe, read timeout: it may have run
                else -> false
            }
        return safe && mayRetry(context, policy, attempt, deadline)
    }

    /** Whether a timed-out attempt of [context]'s call could still go on to another instance (budget not asked). */
    suspend fun mayGoOn(
        context: RequestContext,
        policy: RetryPolicy,
        attempt: Int,
    ): Boolean = attempt < policy.maxAttempts && isIdempotent(context) && selector.hasUntried(context)

    private suspend fun mayRetry(
        context: RequestContext,
        policy: RetryPolicy,
        attempt: Int,
        deadline: Deadline,
        pauseNanos: Long = backoffNanos(policy, attempt),
    ): Boolean {
        val retry =
            attempt < policy.maxAttempts &&
                withinDeadline(deadline, pauseNanos) &&
                selector.hasUntried(context) &&
                selector.tryRetry(context.serviceName, policy.budgetRatio, policy.minRetriesPerSecond)
        if (retry) context.retryPauseNanos = pauseNanos
        return retry
    }

    /**
     * The pause before the retry that follows [attempt]: none after the first attempt, then
     * [RetryPolicy.initialBackoff] doubling up to [RetryPolicy.maxBackoff], drawn between half and all of it.
     */
    private fun backoffNanos(
        policy: RetryPolicy,
        attempt: Int,
    ): Long {
        if (attempt < 2) return 0
        val initial = policy.initialBackoff.toNanos()
        if (initial == 0L) return 0
        val full = minOf(policy.maxBackoff.toNanos(), initial shl minOf(attempt - 2, 30))
        return full / 2 + ThreadLocalRandom.current().nextLong(full / 2 + 1)
    }

    /** Whether a retry after [pauseNanos] would still have time to run. */
    private fun withinDeadline(
        deadline: Deadline,
        pauseNanos: Long,
    ): Boolean = !deadline.isBounded || deadline.remainingNanos() > MIN_REMAINING_NANOS + pauseNanos

    /** Whether the current attempt is the call's first on its instance. */
    private fun firstFailureOnInstance(context: RequestContext): Boolean {
        val current = context.selectedInstance ?: return false
        return context.triedInstances().none { it.instanceId == current.instanceId && it.serviceName == current.serviceName }
    }

    /**
     * Whether [context]'s call may be repeated safely: as the call (or its endpoint or method) says, else as
     * its service is set, else by its HTTP method.
     */
    fun isIdempotent(context: RequestContext): Boolean =
        context.options.idempotent ?: services[context.serviceName]?.idempotent ?: (context.method.uppercase() in IDEMPOTENT)

    private fun neverSent(failure: Throwable): Boolean =
        (failure is ConnectException || failure is NoRouteToHostException || failure is ConnectTimeoutException) &&
            failure.suppressed.isEmpty()

    private companion object {
        /** A retry with less time than this left would mostly time out (after maybe running on the server). */
        private const val MIN_REMAINING_NANOS = 20_000_000L

        /** A pushback longer than this (a minute) is taken as "do not retry". */
        private const val MAX_PUSHBACK_MILLIS = 60_000L

        private val IDEMPOTENT = setOf("GET", "HEAD", "OPTIONS", "PUT", "DELETE")
    }
}
