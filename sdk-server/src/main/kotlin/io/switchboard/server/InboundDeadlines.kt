package io.switchboard.server

import io.ktor.http.HttpStatusCode
import io.ktor.server.application.ApplicationCall
import io.switchboard.CallDeadline
import io.switchboard.SwitchboardHeaders
import org.slf4j.LoggerFactory
import java.time.Duration

/**
 * The deadline of one hosted call: what its caller sent in [SwitchboardHeaders.TIMEOUT], capped by the
 * server's maxRequestTimeout; or the cap alone when the caller sent none.
 *
 * @property deadline when the call must end; null when it is unbounded.
 * @property fromCaller whether it is the caller's own deadline (the header's, not longer than the cap).
 */
internal class InboundLimit(
    val deadline: CallDeadline?,
    val fromCaller: Boolean,
) {
    /** Which deadline this is, for messages: "the caller's deadline of 287 ms (header Switchboard-Timeout)". */
    fun describe(): String {
        val millis = deadline?.timeout?.toMillis()
        return if (fromCaller) {
            "the caller's deadline of $millis ms (header ${SwitchboardHeaders.TIMEOUT})"
        } else {
            "this server's maxRequestTimeout of $millis ms"
        }
    }

    companion object {
        /** No deadline. */
        val NONE = InboundLimit(null, false)
    }
}

/** Reads the [InboundLimit] of each hosted call; answers a malformed header 400 and a deadline of 0 ms 504. */
internal class InboundDeadlines(
    private val maxRequestTimeout: Duration?,
    private val errors: ErrorResponses,
) {
    /** The limit of [call] to [what] (`service.method`); null after answering. */
    suspend fun read(
        call: ApplicationCall,
        what: String,
    ): InboundLimit? {
        val text = call.request.headers[SwitchboardHeaders.TIMEOUT]
        val cap = maxRequestTimeout
        if (text == null && cap == null) return InboundLimit.NONE
        val millis =
            if (text == null) {
                null
            } else {
                parse(text) ?: run {
                    log.debug("Refused a call to {}: header {} is '{}'", what, SwitchboardHeaders.TIMEOUT, text)
                    call.error(
                        HttpStatusCode.BadRequest,
                        "BadHeader",
                        "header ${SwitchboardHeaders.TIMEOUT} of the call to $what is '${text.take(MAX_ECHO)}' (expected: the " +
                            "milliseconds the call may take, a whole number from 0 to ${SwitchboardHeaders.MAX_TIMEOUT_MILLIS})",
                    )
                    return null
                }
            }
        val limit =
            if (millis != null && (cap == null || Duration.ofMillis(millis) <= cap)) {
                InboundLimit(CallDeadline.after(Duration.ofMillis(millis)), fromCaller = true)
            } else {
                InboundLimit(CallDeadline.after(cap!!), fromCaller = false)
            }
        if (millis == 0L) {
            errors.deadlinePassed(call, what, limit, started = false, failure = null)
            return null
        }
        return limit
    }

    /** A whole number of milliseconds, 0 to [SwitchboardHeaders.MAX_TIMEOUT_MILLIS]; null otherwise. */
    private fun parse(text: String): Long? {
        val digits = text.trim()
        if (digits.isEmpty() || digits.length > MAX_DIGITS || !digits.all { it in '0'..'9' }) return null
        return digits.toLong()
    }

    private companion object {
        val MAX_DIGITS = SwitchboardHeaders.MAX_TIMEOUT_MILLIS.toString().length

        /** How much of a malformed value an error repeats. */
        const val MAX_ECHO = 40
        val log = LoggerFactory.getLogger(InboundDeadlines::class.java)
    }
}
