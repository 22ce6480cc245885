package io.switchboard.internal.call

import io.ktor.client.plugins.HttpRequestTimeoutException
import io.switchboard.RequestContext
import io.switchboard.RetryPolicy
import java.io.IOException
import java.net.ConnectException
import java.net.NoRouteToHostException

/** What an attempt says about the instance it went to, for its [InstanceStat]. */
internal enum class AttemptOutcome {
    /** It answered (anything but 5xx): its failures in a row end. */
    SUCCESS,

    /** It failed: no connection, a broken one, an attempt, read or connect timeout, or a 5xx answer. */
    FAILURE,

    /** The connection was refused (or the host unreachable): a failure that may eject at once. */
    REFUSED,

    /** The whole call's deadline passed during the attempt: its time is a latency sample, not a failure of the instance. */
    DEADLINE,

    /** Nothing about the instance: the caller cancelled, a draining server said it did not run the call, or our own error. */
    NEUTRAL,
    ;

    companion object {
        /** The outcome of an attempt of [context] that got [status] (null when no answer came) and ended with [failure]. */
        fun of(
            context: RequestContext,
            status: Int?,
            failure: Throwable?,
        ): AttemptOutcome {
            if (status != null) {
                // a draining server is healthy but leaving: its 503 promises the call was not run
                if (status == 503 && context.response?.header(RetryPolicy.NOT_PROCESSED_HEADER) == "true") return NEUTRAL
                if (status >= 500) return FAILURE
            }
            return when (failure) {
                null -> SUCCESS

                is HttpRequestTimeoutException -> if (context.attemptTimeout != null) FAILURE else DEADLINE

                // the answer arrived: only its body breaking off is the instance's fault, not a decoding error or the caller's block
                else -> if (status != null) (if (failure is IOException) FAILURE else SUCCESS) else withoutAnswer(failure)
            }
        }

        private fun withoutAnswer(failure: Throwable): AttemptOutcome =
            when (failure) {
                // Ktor's connect timeout is a ConnectException too: slow, not refused
                is io.ktor.client.network.sockets.ConnectTimeoutException -> FAILURE

                is ConnectException, is NoRouteToHostException -> REFUSED

                is IOException -> FAILURE

                // cancelled by the caller, or an error of ours (encoding the body, the deadline before sending)
                else -> NEUTRAL
            }
    }
}
