package io.switchboard

import io.ktor.client.network.sockets.ConnectTimeoutException
import java.io.EOFException
import java.net.ConnectException
import java.net.NoRouteToHostException
import java.net.SocketException
import java.net.SocketTimeoutException
import java.net.UnknownHostException
import java.time.Duration

/**
 * One attempt of a call, in [RequestContext.attempts] and [SwitchboardException.attempts].
 *
 * Its [toString] says where it went, what came of it and how long it took, as failure messages list
 * attempts: `127.0.0.1:4101 HTTP 503 in 2 ms`, `127.0.0.1:4102 connection refused in 1 ms`.
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
    /** What came of the attempt, in a few words: `HTTP 503`, `connection refused`, `timed out (attemptTimeout of 300 ms)`. */
    public val outcome: String
        get() =
            when {
                failure == null -> status?.let { "HTTP $it" } ?: "no answer"
                status != null && status !in 200..299 -> "HTTP $status"
                else -> reasonOf(failure)
            }

    override fun toString(): String = "${instance.address} $outcome in ${duration.toMillis()} ms"

    private companion object {
        private const val MAX_REASON = 160
        private val queryValue = Regex("""([?&;])([^=&;\s]+)=([^&;\s]*)""")

        /** The cause that tells the most, named in a few words; a failure of ours without one by its own message. */
        private fun reasonOf(failure: Throwable): String {
            if (failure is ServiceTimeoutException) {
                return "timed out (${failure.kind.setting}${failure.timeout?.let { " of ${it.toMillis()} ms" }.orEmpty()})"
            }
            val chain = generateSequence(failure) { it.cause?.takeIf { cause -> cause !== it } }.take(10).toList()
            chain.firstNotNullOfOrNull { known(it, chain) }?.let { return it }
            val root = chain.last()
            val text =
                when (root) {
                    is SwitchboardException -> root.baseMessage
                    else -> root.javaClass.simpleName + (root.message?.let { ": $it" } ?: "")
                } ?: root.javaClass.simpleName
            return masked(text).let { if (it.length > MAX_REASON) it.take(MAX_REASON) + "…" else it }
        }

        private fun known(
            e: Throwable,
            chain: List<Throwable>,
        ): String? {
            val message = messageOf(e).orEmpty().lowercase()
            return when {
                e is ConnectTimeoutException -> {
                    "connect timeout"
                }

                e is ConnectException -> {
                    val refused = chain.any { "refused" in messageOf(it).orEmpty().lowercase() }
                    if (refused || message.isEmpty()) "connection refused" else "could not connect"
                }

                e is NoRouteToHostException -> {
                    "no route to host"
                }

                e is UnknownHostException -> {
                    "unknown host"
                }

                e is SocketTimeoutException -> {
                    "read timeout"
                }

                e is SocketException && "reset" in message -> {
                    "connection reset"
                }

                e is SocketException && "broken pipe" in message -> {
                    "broken pipe"
                }

                e is EOFException || "unexpected end of stream" in message -> {
                    "connection closed before the answer"
                }

                else -> {
                    null
                }
            }
        }

        /** A failure's message; for one of ours without the attempts (its message would list this very attempt). */
        private fun messageOf(e: Throwable): String? = if (e is SwitchboardException) e.baseMessage else e.message

        /** [text] with the values of sensitive query parameters in any URL it holds replaced by `***`. */
        private fun masked(text: String): String =
            queryValue.replace(text) { m ->
                if (Secrets.isSensitive(m.groupValues[2])) "${m.groupValues[1]}${m.groupValues[2]}=***" else m.value
            }
    }
}
