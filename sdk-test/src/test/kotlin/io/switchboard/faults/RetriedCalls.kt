package io.switchboard.faults

import io.switchboard.Attempt
import io.switchboard.RequestContext
import io.switchboard.spi.Interceptor
import java.util.concurrent.ConcurrentLinkedQueue

/** Keeps the attempts of every call that needed more than one, and of every call that failed. */
class RetriedCalls : Interceptor {
    /** The attempts of each call that was retried, in the order the calls ended. */
    val calls: ConcurrentLinkedQueue<List<Attempt>> = ConcurrentLinkedQueue()

    /** The attempts of each call that failed, in the order the calls ended. */
    val failed: ConcurrentLinkedQueue<List<Attempt>> = ConcurrentLinkedQueue()

    override val name: String get() = "retried-calls"

    override suspend fun afterResponse(context: RequestContext) {
        val attempts = context.attempts
        if (attempts.size > 1) calls += attempts
    }

    override suspend fun handleException(context: RequestContext) {
        val attempts = context.attempts
        if (attempts.size > 1) calls += attempts
        failed += attempts
    }

    /** The failed attempts (all but each call's last, and the last of a failed call) that went to [port]. */
    fun failedAttemptsAt(port: Int): List<Attempt> =
        (calls.flatMap { it.dropLast(1) } + failed.map { it.last() }).filter { it.instance.port == port && it.status != 200 }

    /** The failed calls by the number of attempts they made, for reports: `{1=…, 2=…}`. */
    fun failedByAttempts(): Map<Int, Int> = failed.groupingBy { it.size }.eachCount().toSortedMap()
}
