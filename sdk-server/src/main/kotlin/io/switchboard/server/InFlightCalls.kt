package io.switchboard.server

import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.delay
import java.util.concurrent.atomic.AtomicInteger

/**
 * The calls a [ServiceServer] is handling, and the switch that makes it refuse new ones while it drains.
 *
 * A call first counts itself in ([enter]), then looks at the switch; so once [refuseNew] has returned,
 * every call that is not counted yet will see the switch and be refused. The last call to leave after
 * the switch completes the signal that [awaitIdle] waits on: no polling.
 */
internal class InFlightCalls {
    private val count = AtomicInteger()
    private val idle = CompletableDeferred<Unit>()

    @Volatile
    private var refusing = false

    /** How many calls are being handled now. */
    val current: Int get() = count.get()

    /** When the last call arrived (a [System.nanoTime] reading), refused ones included. */
    @Volatile
    private var lastArrival = System.nanoTime()

    /** Counts a call in; false (and not counted) when new calls are refused. Every true needs a [leave]. */
    fun enter(): Boolean {
        lastArrival = System.nanoTime()
        count.incrementAndGet()
        if (!refusing) return true
        leave()
        return false
    }

    /** Counts a call out. */
    fun leave() {
        if (count.decrementAndGet() == 0 && refusing) idle.complete(Unit)
    }

    /** Refuses new calls from now on. */
    fun refuseNew() {
        refusing = true
        if (count.get() == 0) idle.complete(Unit)
    }

    /**
     * Suspends until no call, refused ones included, has arrived for [quietNanos]: the callers' view of the
     * registry has caught up with the deregistration. Returns at once when the server was already quiet.
     */
    suspend fun awaitQuiet(quietNanos: Long) {
        while (true) {
            val since = System.nanoTime() - lastArrival
            if (since >= quietNanos) return
            delay((quietNanos - since) / 1_000_000 + 1)
        }
    }

    /** Suspends until no call is in flight; only after [refuseNew]. */
    suspend fun awaitIdle() {
        check(refusing) { "awaitIdle() before refuseNew()" }
        idle.await()
    }
}
