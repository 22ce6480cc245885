package io.switchboard.internal.call

import io.ktor.client.network.sockets.ConnectTimeoutException
import io.ktor.client.plugins.HttpRequestTimeoutException
import io.switchboard.RequestContext
import io.switchboard.Secrets.maskedPath
import io.switchboard.ServiceCallException
import io.switchboard.ServiceTimeoutException
import io.switchboard.SwitchboardException
import io.switchboard.TimeoutKind
import java.io.IOException
import kotlin.coroutines.cancellation.CancellationException

/**
 * The last step of a failed call: what went wrong, as the typed exception users act on — a timeout
 * naming which one and its value, a connection failure naming the instance, or the failure as it was
 * when it already is one of ours. Cancellation passes through untouched.
 */
internal class FailureTranslator(
    private val timeouts: TimeoutPolicy,
) {
    fun translate(
        e: Throwable,
        context: RequestContext,
        deadline: Deadline,
    ): Throwable {
        val service = context.serviceName
        val instance = context.selectedInstance
        return when (e) {
            is SwitchboardException -> {
                e
            }

            is HttpRequestTimeoutException -> {
                // the attempt's own timeout when it was the shorter one, else the whole call's deadline
                timeout(if (context.attemptTimeout != null) TimeoutKind.ATTEMPT else deadlineKind(deadline), context, deadline, e)
            }

            is ConnectTimeoutException -> {
                timeout(TimeoutKind.CONNECT, context, deadline, e)
            }

            is java.net.SocketTimeoutException -> {
                timeout(TimeoutKind.READ, context, deadline, e)
            }

            is CancellationException -> {
                e
            }

            is IOException -> {
                ServiceCallException(
                    service,
                    instance,
                    "${context.method} $service${maskedPath(context.path)} to ${instance?.address ?: "?"} failed: $e " +
                        "(is the instance up and reachable?)",
                    e,
                )
            }

            else -> {
                ServiceCallException(service, instance, "${context.method} $service${maskedPath(context.path)} failed: $e", e)
            }
        }
    }

    /**
     * Gives the call's [failure] the list of its attempts, once the call has ended (its message then lists
     * them when there were several); a failure of an inner call keeps its own.
     */
    fun recordAttempts(
        failure: Throwable,
        context: RequestContext,
    ) {
        if (failure is SwitchboardException) failure.recordAttempts(context.attempts)
    }

    /** The call's deadline passed before it could go on (waiting for a connection, say, or on the callee, which said so). */
    fun deadlinePassed(
        context: RequestContext,
        deadline: Deadline,
    ): ServiceTimeoutException = timeout(deadlineKind(deadline), context, deadline, null)

    /** The call's own `requestTimeout`, or the deadline it inherited when that was the earlier one. */
    private fun deadlineKind(deadline: Deadline): TimeoutKind = if (deadline.inherited) TimeoutKind.DEADLINE else TimeoutKind.REQUEST

    private fun timeout(
        kind: TimeoutKind,
        context: RequestContext,
        deadline: Deadline,
        cause: Throwable?,
    ): ServiceTimeoutException =
        ServiceTimeoutException(context.serviceName, context.selectedInstance, kind, timeouts.valueOf(kind, context, deadline), cause)
}
