package io.switchboard.faults

import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.Job
import kotlinx.coroutines.joinAll
import kotlinx.coroutines.launch
import kotlinx.coroutines.withTimeout
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.ConcurrentLinkedQueue
import java.util.concurrent.atomic.AtomicInteger
import kotlin.coroutines.cancellation.CancellationException

/** One kind of caller of [CallerLoad]: a name for reports and the call, which returns the name of the server that answered. */
class Caller(
    val kind: String,
    val call: suspend () -> String,
)

/** A failed call of [CallerLoad]: which kind of caller, when (nanoTime) and why. */
class FailedCall(
    val kind: String,
    val atNanos: Long,
    val error: Throwable,
    private val loadStarted: Long,
) {
    override fun toString(): String = "$kind at ${(atNanos - loadStarted) / 1_000_000} ms into the load: $error"
}

/**
 * Callers that each call in a loop, one call at a time, until [stop]: caller `i` runs `callers[i % size]`.
 * Counts what was answered by whom, when each call completed, and every failed call.
 */
class CallerLoad(
    scope: CoroutineScope,
    count: Int,
    callers: List<Caller>,
) {
    @Volatile
    private var running = true

    /** When the load started (nanoTime). */
    val started: Long = System.nanoTime()
    private val answers = ConcurrentHashMap<String, AtomicInteger>()
    private val done = ConcurrentLinkedQueue<Long>()
    private val completions = AtomicInteger()

    /** Every failed call. */
    val failures: ConcurrentLinkedQueue<FailedCall> = ConcurrentLinkedQueue()

    private val jobs: List<Job> =
        List(count) { i ->
            val caller = callers[i % callers.size]
            scope.launch(Dispatchers.Default) {
                while (running) {
                    try {
                        val server = caller.call()
                        done += System.nanoTime()
                        completions.incrementAndGet()
                        answers.computeIfAbsent(server) { AtomicInteger() }.incrementAndGet()
                    } catch (e: CancellationException) {
                        throw e
                    } catch (e: Exception) {
                        failures += FailedCall(caller.kind, System.nanoTime(), e, started)
                    }
                }
            }
        }

    /** Calls completed so far. */
    val completed: Int get() = completions.get()

    /** Calls answered by [server] so far. */
    fun answeredBy(server: String): Int = answers[server]?.get() ?: 0

    /** The answers by server so far. */
    fun answers(): Map<String, Int> = answers.mapValues { it.value.get() }.toSortedMap()

    /** When each call completed (nanoTime), in order. */
    fun completionTimes(): LongArray = done.toLongArray().also { it.sort() }

    /** Lets each caller finish its call in flight, then returns; fails if they do not within [millis]. */
    suspend fun stop(millis: Long = 30_000) {
        running = false
        withTimeout(millis) { jobs.joinAll() }
    }

    /** The longest time between two completions in [from]..[to] (nanoTime), the ends of the window included, in ms. */
    fun longestGapMillis(
        from: Long,
        to: Long,
    ): Long {
        var previous = from
        var longest = 0L
        for (t in completionTimes()) {
            if (t < from) continue
            if (t > to) break
            longest = maxOf(longest, t - previous)
            previous = t
        }
        return maxOf(longest, to - previous) / 1_000_000
    }

    /** Completions in each whole second of [from]..[to] (nanoTime). */
    fun perSecond(
        from: Long,
        to: Long,
    ): List<Int> {
        val seconds = ((to - from) / 1_000_000_000L).toInt()
        val counts = IntArray(seconds)
        for (t in completionTimes()) {
            val second = ((t - from) / 1_000_000_000L).toInt()
            if (t >= from && second < seconds) counts[second]++
        }
        return counts.toList()
    }

    /** A summary for reports: completions, failures and answers by server. */
    fun summary(): String =
        "$completed calls completed in ${(System.nanoTime() - started) / 1_000_000} ms, ${failures.size} failed; answers: ${answers()}"

    /** [nanos] (a nanoTime) in ms into the load. */
    fun millisInto(nanos: Long): Long = (nanos - started) / 1_000_000
}
