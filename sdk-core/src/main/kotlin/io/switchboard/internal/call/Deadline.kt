package io.switchboard.internal.call

import io.switchboard.CallDeadline
import kotlinx.coroutines.withTimeoutOrNull
import java.time.Duration

/**
 * The one deadline of a call: [timeout] after the call started, or the [CallDeadline] it inherited when
 * that passes first, or none. Every wait of the call (the connection permit, the HTTP exchange) takes
 * what remains of it, so time spent in one wait is not given again to the next.
 */
internal class Deadline private constructor(
    /** The whole call's budget (for an inherited deadline, the time it was given); null when the call is unbounded. */
    val timeout: Duration?,
    private val endNanos: Long,
    /** Whether this is a deadline the call inherited from its coroutine context, not its own `requestTimeout`. */
    val inherited: Boolean = false,
) {
    /** Whether the call has a bound at all. */
    val isBounded: Boolean get() = timeout != null

    /** Nanoseconds left, at least 0; [Long.MAX_VALUE] when unbounded. */
    fun remainingNanos(): Long = if (timeout == null) Long.MAX_VALUE else maxOf(0L, endNanos - System.nanoTime())

    /** Milliseconds left, rounded up so that a positive remainder never becomes "no time"; [Long.MAX_VALUE] when unbounded. */
    fun remainingMillis(): Long {
        if (timeout == null) return Long.MAX_VALUE
        val nanos = remainingNanos()
        return if (nanos == 0L) 0L else (nanos + 999_999) / 1_000_000
    }

    /** Runs [block] within what remains; null when the deadline passed first. */
    suspend fun <T : Any> within(block: suspend () -> T): T? =
        if (timeout ==
            null
        ) {
            block()
        } else {
            withTimeoutOrNull(remainingMillis()) { block() }
        }

    override fun toString(): String =
        if (timeout ==
            null
        ) {
            "Deadline(none)"
        } else {
            "Deadline(${timeout.toMillis()} ms${if (inherited) " inherited" else ""}, ${remainingMillis()} ms left)"
        }

    companion object {
        /** No deadline. */
        val NONE: Deadline = Deadline(null, 0)

        /**
         * A deadline [timeout] after [startNanos] (a [System.nanoTime] reading), or [inherited] when that one
         * passes first; [NONE] when there is neither.
         */
        fun of(
            startNanos: Long,
            timeout: Duration?,
            inherited: CallDeadline? = null,
        ): Deadline {
            if (inherited == null) return if (timeout == null) NONE else Deadline(timeout, startNanos + timeout.toNanos())
            if (timeout != null) {
                val own = startNanos + timeout.toNanos()
                if (own - inherited.endNanos < 0) return Deadline(timeout, own)
            }
            return Deadline(inherited.timeout, inherited.endNanos, inherited = true)
        }
    }
}
