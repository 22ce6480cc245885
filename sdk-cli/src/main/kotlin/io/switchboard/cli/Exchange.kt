package io.switchboard.cli

import io.switchboard.Attempt
import io.switchboard.RequestOptions
import io.switchboard.Secrets
import io.switchboard.ServiceInstance
import io.switchboard.SwitchboardException
import java.time.Duration

/**
 * One call made through a session's manager — discovery, balancing, retries on another instance, interceptors from
 * the configuration — and what came of it: the answer, the instance that gave it, every attempt and the timings.
 *
 * @property status the HTTP status of the answer.
 * @property headers the answer's headers, those named like secrets as `***`.
 * @property body the answer's body.
 * @property instance the instance that answered.
 * @property attempts every attempt, the answered one last.
 * @property duration the whole call.
 * @property headersAfter when the answer's headers arrived, from the start of the call.
 */
class Exchange(
    val status: Int,
    val headers: Map<String, String>,
    val body: ByteArray,
    val instance: ServiceInstance,
    val attempts: List<Attempt>,
    val duration: Duration?,
    val headersAfter: Duration?,
) {
    /** Whether the status is 2xx. */
    val isSuccessful: Boolean get() = status in 200..299

    /** The answer's `Content-Type`, or null. */
    val contentType: String? get() = headers.entries.firstOrNull { it.key.equals("content-type", ignoreCase = true) }?.value

    /** `HTTP 200 from 127.0.0.1:4101 in 14 ms (headers after 12 ms), 1 attempt`. */
    fun summary(terminal: Terminal): String =
        terminal.status("HTTP $status", status) + " from ${terminal.bold(instance.address)}" +
            (duration?.let { " in ${Durations.format(it)}" } ?: "") +
            (headersAfter?.let { " (headers after ${Durations.format(it)})" } ?: "") +
            ", ${attempts.size} attempt" + if (attempts.size == 1) "" else "s"

    /** The call as `--json` shows it, with [body] as given. */
    fun view(
        service: String,
        method: String,
        path: String,
        body: kotlinx.serialization.json.JsonElement?,
    ): CallView =
        CallView(
            service,
            method,
            path,
            status,
            instance.address,
            duration?.toMillis(),
            headersAfter?.toMillis(),
            attempts.map(AttemptView::of),
            headers,
            body,
        )

    /** The attempts, one line each (`  1. 127.0.0.1:4101 connection refused in 1 ms`), when there were several. */
    fun attemptLines(terminal: Terminal): List<String> =
        if (attempts.size < 2) {
            emptyList()
        } else {
            attempts.mapIndexed { n, a ->
                val outcome = if (a.failure == null && a.status != null) terminal.status(a.outcome, a.status) else terminal.red(a.outcome)
                "  ${n + 1}. ${a.instance.address} $outcome in ${Durations.format(a.duration)}"
            }
        }

    companion object {
        /**
         * Sends [method] [path] to [service] through [session]'s manager with [options]. A call that gets no answer
         * fails with [CallFailed], listing the attempts (or with the SDK's message when none was made); a non-2xx answer
         * is returned like any other.
         */
        suspend fun send(
            session: Session,
            method: String,
            service: String,
            path: String,
            options: RequestOptions,
        ): Exchange {
            val answer =
                try {
                    session.manager.rawRequest(method, service, path, options) { r -> Answer(r.status, r.headers, r.bytes(), r.instance) }
                } catch (e: SwitchboardException) {
                    // each attempt in a few words (connection refused, read timeout, HTTP 503) rather than the client's exception names
                    val attempts = e.attempts
                    val message =
                        if (attempts.isEmpty()) {
                            Session.oneLine(e.message)
                        } else {
                            "$method $path on $service failed after ${attempts.size} attempt${if (attempts.size == 1) "" else "s"}: " +
                                attempts.joinToString("; ")
                        }
                    throw CallFailed(message, attempts, e)
                }
            val context = session.lastCall
            return Exchange(
                answer.status,
                Secrets.masked(answer.headers.mapValues { it.value.joinToString(", ") }).mapValues { it.value.toString() },
                answer.body,
                answer.instance,
                context?.attempts.orEmpty(),
                context?.duration,
                context?.responseTime?.let { Duration.between(context.startTime, it) },
            )
        }
    }

    /** What a raw response held, read before its connection was released. */
    private class Answer(
        val status: Int,
        val headers: Map<String, List<String>>,
        val body: ByteArray,
        val instance: ServiceInstance,
    )

    /** A call that got no answer: the SDK's one-line message and the attempts made. */
    class CallFailed(
        message: String,
        val attempts: List<Attempt>,
        cause: Throwable,
    ) : CliFailure(message, ExitCode.FAILED, cause) {
        /** The failure as `--json` shows it. */
        val view: FailureView get() = FailureView(message.orEmpty(), attempts.map(AttemptView::of))
    }
}
