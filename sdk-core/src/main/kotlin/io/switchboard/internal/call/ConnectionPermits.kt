package io.switchboard.internal.call

import io.switchboard.RequestContext
import kotlinx.coroutines.sync.Semaphore
import java.util.concurrent.atomic.AtomicInteger

/**
 * One permit per pooled connection: an attempt holds one from sending until its body is read. A raw
 * block that makes calls of its own holds its permit meanwhile, so such nesting needs spare pool capacity.
 */
internal class ConnectionPermits(
    size: Int,
    private val failures: FailureTranslator,
) {
    private val permits = Semaphore(size)
    private val waiters = AtomicInteger()

    /** Takes a permit within what remains of [deadline]; nothing is sent once the deadline has passed. */
    suspend fun acquire(
        context: RequestContext,
        deadline: Deadline,
    ) {
        if (deadline.isBounded && deadline.remainingNanos() == 0L) throw failures.deadlinePassed(context, deadline)
        if (permits.tryAcquire()) return
        waiters.incrementAndGet()
        try {
            deadline.within { permits.acquire() } ?: throw failures.deadlinePassed(context, deadline)
        } finally {
            waiters.decrementAndGet()
        }
    }

    /** How many attempts wait for a permit now. */
    val waiting: Int get() = waiters.get()

    fun release() {
        permits.release()
    }
}
