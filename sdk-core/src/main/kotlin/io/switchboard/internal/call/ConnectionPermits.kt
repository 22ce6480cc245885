package io.switchboard.internal.call

import io.switchboard.RequestContext
import kotlinx.coroutines.sync.Semaphore

/**
 * One permit per pooled connection: an attempt holds one from sending until its body is read. A raw
 * block that makes calls of its own holds its permit meanwhile, so such nesting needs spare pool capacity.
 */
internal class ConnectionPermits(
    size: Int,
    private val failures: FailureTranslator,
) {
    private val permits = Semaphore(size)

    /** Takes a permit within what remains of [deadline]; nothing is sent once the deadline has passed. */
    suspend fun acquire(
        context: RequestContext,
        deadline: Deadline,
    ) {
        if (deadline.isBounded && deadline.remainingNanos() == 0L) throw failures.deadlinePassed(context, deadline)
        if (permits.tryAcquire()) return
        deadline.within { permits.acquire() } ?: throw failures.deadlinePassed(context, deadline)
    }

    fun release() {
        permits.release()
    }
}
