package io.switchboard.internal.call

import io.ktor.client.statement.HttpResponse
import io.switchboard.CallDeadline
import io.switchboard.InvalidRequestException
import io.switchboard.RequestContext
import io.switchboard.RequestOptions
import io.switchboard.ResponseInfo
import io.switchboard.RetryPolicy
import io.switchboard.ServiceInstance
import io.switchboard.SwitchboardHeaders
import io.switchboard.internal.InterceptorChain
import io.switchboard.spi.AttemptChain
import io.switchboard.spi.CallChain
import io.switchboard.spi.CallInterceptor
import io.switchboard.spi.Interceptor
import kotlinx.coroutines.NonCancellable
import kotlinx.coroutines.currentCoroutineContext
import kotlinx.coroutines.delay
import kotlinx.coroutines.withContext
import org.slf4j.LoggerFactory

/**
 * One call, end to end, as named steps: context and interceptors' `beforeRequest`; the [Deadline];
 * [InstanceSelector] (discovery, eligibility, balancer); a connection permit within the deadline;
 * [RequestWriter] and the HTTP exchange; the caller's handling of the response ([ResponseDecoder] for
 * decoded calls); `afterResponse`; or on failure [FailureTranslator] and `handleException`. Every
 * public call of a manager comes here.
 */
internal class CallPipeline(
    private val transport: CallTransport,
    private val selector: InstanceSelector,
    private val writer: RequestWriter,
    private val failures: FailureTranslator,
    private val timeouts: TimeoutPolicy,
    private val retries: Retries,
    private val interceptors: InterceptorChain<Interceptor>,
    private val callInterceptors: InterceptorChain<CallInterceptor>,
    connectionPoolSize: Int,
) {
    private val connections = ConnectionPermits(connectionPoolSize, failures)

    /** How many attempts wait for a connection permit now. */
    val connectionsWaiting: Int get() = connections.waiting
    private val hedged = HedgedAttempts(transport, selector, writer, retries, failures, connections)

    suspend fun <R> execute(
        method: String,
        serviceName: String,
        path: String,
        options: RequestOptions,
        attributes: Map<String, Any> = emptyMap(),
        pinned: ServiceInstance? = null,
        handle: suspend (Answer, RequestContext) -> R,
    ): R {
        validate(serviceName, path)
        val context = RequestContext(method, serviceName, path, options)
        if (attributes.isNotEmpty()) context.attributes.putAll(attributes)
        context.pinnedInstance = pinned
        context.codec = writer.bodyCodec
        val chain = interceptors.snapshot
        var deadline = Deadline.NONE
        // the deadline of the inbound call this code serves (or of withCallDeadline), when there is one
        val inherited = currentCoroutineContext()[CallDeadline]
        try {
            for (interceptor in chain) interceptor.beforeRequest(context)
            validate(context.serviceName, context.path)
            // the whole call's budget, counted from its start: interceptors' waits (pool, rate limit) spend it too
            deadline = Deadline.of(context.startNanos, timeouts.requestTimeout(context), inherited)
            val wrapping = callInterceptors.snapshot
            val result =
                if (wrapping.isEmpty()) {
                    attempts(context, deadline, wrapping, handle)
                } else {
                    val attemptLoop: suspend () -> Any? = { attempts(context, deadline, wrapping, handle) }
                    @Suppress("UNCHECKED_CAST")
                    InterceptedCall(context, wrapping, 0, attemptLoop).proceed() as R
                }
            context.result = result
            context.markEnd()
            for (interceptor in chain) interceptor.afterResponse(context)
            return result
        } catch (e: Throwable) {
            val failure = failures.translate(e, context, deadline)
            context.exception = failure
            context.markEnd()
            failures.recordAttempts(failure, context)
            withContext(NonCancellable) {
                for (interceptor in chain) {
                    try {
                        interceptor.handleException(context)
                    } catch (inner: Throwable) {
                        log.warn("Interceptor {} failed in handleException: {}", interceptor.name, inner.toString())
                    }
                }
            }
            throw failure
        }
    }

    /**
     * The attempt loop: an instance (never one already tried while others remain), the exchange, and on
     * a failure or a retryable status another attempt when [Retries] says it is safe. Once the caller's
     * [handle] has the response, the call is never repeated.
     */
    private suspend fun <R> attempts(
        context: RequestContext,
        deadline: Deadline,
        wrapping: List<CallInterceptor>,
        handle: suspend (Answer, RequestContext) -> R,
    ): R {
        val policy = retries.policyFor(context)
        if (policy.hedgingDelay != null && policy.maxAttempts > 1 && retries.isIdempotent(context)) {
            return hedged.run(context, policy, deadline, wrapping, handle)
        }
        var attempt = 1
        while (true) {
            val instance = selector.choose(context, if (attempt == 1) null else context.triedInstances())
            context.selectedInstance = instance
            context.protocol = instance.scheme
            val url = writer.url(instance, context)
            context.resolvedUrl = url
            context.handed = false
            // an attempt's own timeout only where its failure could go on elsewhere: never for the last possible attempt
            val attemptTimeout = policy.attemptTimeout?.takeIf { retries.mayGoOn(context, policy, attempt) }
            val track = selector.attemptStarted(context, instance)
            try {
                val send: suspend () -> Any? = { exchange(context, policy, attempt, instance, url, deadline, attemptTimeout, handle) }
                val outcome =
                    if (wrapping.isEmpty()) {
                        send()
                    } else {
                        InterceptedAttempt(
                            context,
                            instance,
                            attempt,
                            wrapping,
                            send,
                        ) { context.response }.run()
                    }
                selector.attemptEnded(track, context, null)
                if (outcome !== RETRY) {
                    @Suppress("UNCHECKED_CAST")
                    return outcome as R
                }
                context.attemptFailed(context.response?.status, null, System.nanoTime())
            } catch (e: Throwable) {
                selector.attemptEnded(track, context, e)
                if (context.handed || !retries.afterFailure(context, policy, attempt, e, deadline)) throw e
                log.debug(
                    "Attempt {} of {} {} on {} failed, trying another instance: {}",
                    attempt,
                    context.method,
                    context.serviceName,
                    instance.address,
                    e.toString(),
                )
                context.attemptFailed(null, failures.translate(e, context, deadline), System.nanoTime())
            }
            attempt++
            val pause = context.retryPauseNanos
            if (pause > 0) delay(pause / 1_000_000)
        }
    }

    /**
     * One attempt's exchange: a connection permit, the request, and either [RETRY] for an answer to be
     * retried elsewhere or what the caller's [handle] made of the response.
     */
    private suspend fun <R> exchange(
        context: RequestContext,
        policy: RetryPolicy,
        attempt: Int,
        instance: ServiceInstance,
        url: String,
        deadline: Deadline,
        attemptTimeout: java.time.Duration?,
        handle: suspend (Answer, RequestContext) -> R,
    ): Any? {
        connections.acquire(context, deadline)
        try {
            return transport.exchange(context, instance, url, deadline, attemptTimeout) { response ->
                context.markResponse()
                val info = ResponseInfo(response.status, response.headers())
                context.response = info
                // the callee cut the call at the deadline this attempt sent it: no time remains to go on with
                if (info.status == 504 && context.attemptTimeout == null && deadline.isBounded &&
                    info.header(SwitchboardHeaders.DEADLINE_EXCEEDED) == "true"
                ) {
                    throw failures.deadlinePassed(context, deadline)
                }
                val retried = info.status >= 500 || info.status in policy.retryableStatuses
                val notProcessed = info.status == 503 && info.header(RetryPolicy.NOT_PROCESSED_HEADER) == "true"
                val pushback = if (retried) info.header(RetryPolicy.PUSHBACK_HEADER) else null
                if (retried && retries.afterStatus(context, policy, attempt, info.status, notProcessed, pushback, deadline)) {
                    RETRY
                } else {
                    context.handed = true
                    handle(response, context)
                }
            }
        } finally {
            connections.release()
        }
    }

    private fun validate(
        serviceName: String,
        path: String,
    ) {
        if (serviceName.isBlank()) throw InvalidRequestException("service name is blank (expected: the name of a registered service)")
        if (!path.startsWith("/")) {
            throw InvalidRequestException("path '$path' of a call to $serviceName does not start with '/' (expected: '/$path')")
        }
    }

    internal companion object {
        /** What an attempt yields when its status is retried instead of handed over. */
        val RETRY = Any()

        private val log = LoggerFactory.getLogger(CallPipeline::class.java)
    }
}

internal fun headersOf(response: HttpResponse): Map<String, List<String>> {
    val map = LinkedHashMap<String, List<String>>()
    response.headers.forEach { name, values -> map[name] = values }
    return map
}
