package io.switchboard.internal.call

import io.switchboard.RequestContext
import io.switchboard.ResponseInfo
import io.switchboard.RetryPolicy
import io.switchboard.ServiceInstance
import io.switchboard.SwitchboardHeaders
import io.switchboard.spi.CallInterceptor
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.launch
import kotlinx.coroutines.sync.Mutex
import kotlinx.coroutines.sync.withLock
import kotlinx.coroutines.withTimeoutOrNull
import java.io.IOException
import java.util.concurrent.atomic.AtomicBoolean
import kotlin.coroutines.cancellation.CancellationException

/**
 * The attempts of an idempotent call with hedging on: the first attempt starts; whenever
 * [RetryPolicy.hedgingDelay] passes with none answered, another starts on an instance the call has not
 * tried (within [RetryPolicy.maxAttempts], the deadline and the retry budget). The first answer that is
 * not retried wins and goes to the caller; the others are cancelled and recorded as such. A failed
 * attempt, or a retryable status, lets another start at once when none is left running.
 */
internal class HedgedAttempts(
    private val transport: CallTransport,
    private val selector: InstanceSelector,
    private val writer: RequestWriter,
    private val retries: Retries,
    private val failures: FailureTranslator,
    private val connections: ConnectionPermits,
) {
    suspend fun <R> run(
        context: RequestContext,
        policy: RetryPolicy,
        deadline: Deadline,
        wrapping: List<CallInterceptor>,
        handle: suspend (Answer, RequestContext) -> R,
    ): R = coroutineScope { Race(this, context, policy, deadline, wrapping, handle).run() }

    private sealed class Outcome(
        val instance: ServiceInstance,
    )

    private class Won(
        instance: ServiceInstance,
        val value: Any?,
    ) : Outcome(instance)

    private class Failed(
        instance: ServiceInstance,
        val status: Int?,
        val failure: Throwable?,
        val startNanos: Long,
    ) : Outcome(instance)

    private inner class Race<R>(
        private val scope: CoroutineScope,
        private val context: RequestContext,
        private val policy: RetryPolicy,
        private val deadline: Deadline,
        private val wrapping: List<CallInterceptor>,
        private val handle: suspend (Answer, RequestContext) -> R,
    ) {
        private val lock = Mutex()
        private val outcomes = Channel<Outcome>(Channel.UNLIMITED)
        private val claimed = AtomicBoolean()

        // guarded by lock
        private val tried = ArrayList<ServiceInstance>(policy.maxAttempts)
        private val running = LinkedHashMap<ServiceInstance, Pair<Job, Long>>()
        private var granted = false

        suspend fun run(): R {
            lock.withLock { start(selector.choose(context)) }
            var noMore = false
            var last: Failed? = null
            while (true) {
                val (hedgeable, anyRunning) = lock.withLock { (!noMore && tried.size < policy.maxAttempts) to running.isNotEmpty() }
                val outcome =
                    when {
                        anyRunning && hedgeable -> withTimeoutOrNull(policy.hedgingDelay!!.toMillis()) { outcomes.receive() }
                        anyRunning -> outcomes.receive()
                        else -> null
                    }
                when (outcome) {
                    null -> {
                        // no answer within the hedging delay, or nothing left running: another attempt if allowed
                        if (lock.withLock { startAnother() }) continue
                        if (!anyRunning) throw last?.failure ?: IllegalStateException("no attempt of the hedged call could start")
                        noMore = true
                    }

                    is Won -> {
                        cancelOthers(outcome.instance)
                        @Suppress("UNCHECKED_CAST")
                        return outcome.value as R
                    }

                    is Failed -> {
                        context.recordAttempt(outcome.instance, outcome.status, outcome.failure, outcome.startNanos, System.nanoTime())
                        last = outcome
                    }
                }
            }
        }

        /** Starts an attempt on [instance]; called under the lock. */
        private fun start(instance: ServiceInstance) {
            tried += instance
            val number = tried.size
            val startNanos = System.nanoTime()
            val job = scope.launch { outcomes.send(attempt(instance, number, startNanos)) }
            running[instance] = job to startNanos
        }

        /** Starts one more attempt if the policy, the deadline, an untried instance and the budget allow; under the lock. */
        private suspend fun startAnother(): Boolean {
            if (tried.size >= policy.maxAttempts) return false
            if (deadline.isBounded && deadline.remainingNanos() < MIN_REMAINING_NANOS) return false
            val next = selector.untriedOrNull(context, tried) ?: return false
            if (!granted && !selector.tryRetry(context.serviceName, policy.budgetRatio, policy.minRetriesPerSecond)) return false
            granted = false
            start(next)
            return true
        }

        /** Whether a retryable answer may be dropped: another attempt runs, or one more may start (granted now); under the lock. */
        private suspend fun mayDrop(instance: ServiceInstance): Boolean {
            if (running.keys.any { it !== instance }) return true
            if (tried.size >= policy.maxAttempts || selector.untriedOrNull(context, tried) == null) return false
            if (deadline.isBounded && deadline.remainingNanos() < MIN_REMAINING_NANOS) return false
            if (!granted) granted = selector.tryRetry(context.serviceName, policy.budgetRatio, policy.minRetriesPerSecond)
            return granted
        }

        private suspend fun cancelOthers(winner: ServiceInstance) {
            val now = System.nanoTime()
            lock.withLock {
                for ((instance, started) in running) {
                    if (instance === winner) continue
                    started.first.cancel(CancellationException("another attempt answered first"))
                    context.recordAttempt(
                        instance,
                        null,
                        CancellationException("cancelled: another attempt answered first"),
                        started.second,
                        now,
                    )
                }
                running.clear()
            }
        }

        private suspend fun attempt(
            instance: ServiceInstance,
            number: Int,
            startNanos: Long,
        ): Outcome {
            var info: ResponseInfo? = null
            var answeredNanos = 0L
            var mine = false
            val url = writer.url(instance, context)
            val track = selector.attemptStarted(context, instance)
            val send: suspend () -> Any? = {
                connections.acquire(context, deadline)
                try {
                    transport.exchange(context, instance, url, deadline, null) { response ->
                        answeredNanos = System.nanoTime()
                        val answer = ResponseInfo(response.status, response.headers())
                        info = answer
                        if (answer.status == 504 && deadline.isBounded && answer.header(SwitchboardHeaders.DEADLINE_EXCEEDED) == "true") {
                            // the callee cut the call at the deadline this attempt sent it: the call's own deadline passed
                            throw failures.deadlinePassed(context, deadline)
                        }
                        if (retryable(answer) && lock.withLock { mayDrop(instance).also { if (it) running.remove(instance) } }) {
                            CallPipeline.RETRY
                        } else {
                            if (!claimed.compareAndSet(false, true)) throw CancellationException("another attempt answered first")
                            mine = true
                            context.settle(instance, url, startNanos, answer)
                            context.handed = true
                            handle(response, context)
                        }
                    }
                } finally {
                    connections.release()
                }
            }
            return try {
                val value = if (wrapping.isEmpty()) send() else InterceptedAttempt(context, instance, number, wrapping, send) { info }.run()
                selector.attemptEnded(track, context, null, info?.status, answeredNanos)
                if (value === CallPipeline.RETRY) Failed(instance, info?.status, null, startNanos) else Won(instance, value)
            } catch (e: Throwable) {
                selector.attemptEnded(track, context, if (mine) null else e, info?.status, answeredNanos)
                // the winner's own failure (a 4xx, a body that does not decode) is the call's; so is anything unexpected
                if (mine || e is CancellationException || e !is IOException) throw e
                lock.withLock { running.remove(instance) }
                Failed(instance, null, failures.translate(e, context, deadline), startNanos)
            }
        }

        private fun retryable(info: ResponseInfo): Boolean {
            val notProcessed = info.status == 503 && info.header(RetryPolicy.NOT_PROCESSED_HEADER) == "true"
            if (info.status < 300 || (!notProcessed && info.status !in policy.retryableStatuses)) return false
            val pushback = info.header(RetryPolicy.PUSHBACK_HEADER) ?: return true
            return pushback.trim().toLongOrNull()?.let { it >= 0 } ?: false
        }
    }

    private companion object {
        private const val MIN_REMAINING_NANOS = 20_000_000L
    }
}
