package io.switchboard.internal.call

import io.ktor.client.HttpClient
import io.ktor.client.request.prepareRequest
import io.ktor.client.statement.HttpResponse
import io.switchboard.InvalidRequestException
import io.switchboard.RequestContext
import io.switchboard.RequestOptions
import io.switchboard.ResponseInfo
import io.switchboard.RetryPolicy
import io.switchboard.ServiceInstance
import io.switchboard.internal.InterceptorChain
import kotlinx.coroutines.NonCancellable
import kotlinx.coroutines.sync.Semaphore
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
    private val client: HttpClient,
    private val selector: InstanceSelector,
    private val writer: RequestWriter,
    private val failures: FailureTranslator,
    private val timeouts: TimeoutPolicy,
    private val retries: Retries,
    private val interceptors: InterceptorChain,
    connectionPoolSize: Int,
) {
    /** One permit per pooled connection: a call holds one from sending until its body is read. */
    private val connections = Semaphore(connectionPoolSize)

    suspend fun <R> execute(
        method: String,
        serviceName: String,
        path: String,
        options: RequestOptions,
        attributes: Map<String, Any> = emptyMap(),
        pinned: ServiceInstance? = null,
        handle: suspend (HttpResponse, RequestContext) -> R,
    ): R {
        validate(serviceName, path)
        val context = RequestContext(method, serviceName, path, options)
        if (attributes.isNotEmpty()) context.attributes.putAll(attributes)
        context.pinnedInstance = pinned
        val chain = interceptors.snapshot
        var deadline = Deadline.NONE
        try {
            for (interceptor in chain) interceptor.beforeRequest(context)
            validate(context.serviceName, context.path)
            // the whole call's budget, counted from its start: interceptors' waits (pool, rate limit) spend it too
            deadline = Deadline.of(context.startNanos, timeouts.requestTimeout(context))
            val result = attempts(context, deadline, handle)
            context.result = result
            context.markEnd()
            for (interceptor in chain) interceptor.afterResponse(context)
            return result
        } catch (e: Throwable) {
            val failure = failures.translate(e, context, deadline)
            context.exception = failure
            context.markEnd()
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
        handle: suspend (HttpResponse, RequestContext) -> R,
    ): R {
        val policy = retries.policyFor(context)
        var attempt = 1
        while (true) {
            val instance = selector.choose(context, if (attempt == 1) null else context.triedInstances())
            context.selectedInstance = instance
            context.protocol = instance.scheme
            val url = writer.url(instance, context)
            context.resolvedUrl = url
            var handed = false
            // an attempt's own timeout only where its failure could go on elsewhere: never for the last possible attempt
            val attemptTimeout = policy.attemptTimeout?.takeIf { retries.mayGoOn(context, policy, attempt) }
            val track = selector.attemptStarted(context, instance)
            try {
                acquireConnection(context, deadline)
                val outcome =
                    try {
                        client.prepareRequest { writer.write(this, context, url, deadline, attemptTimeout) }.execute { response ->
                            context.markResponse()
                            val info = ResponseInfo(response.status.value, headersOf(response))
                            context.response = info
                            val notProcessed = info.status == 503 && info.header(RetryPolicy.NOT_PROCESSED_HEADER) == "true"
                            if (retries.afterStatus(context, policy, attempt, info.status, notProcessed, deadline)) {
                                RETRY
                            } else {
                                handed = true
                                handle(response, context)
                            }
                        }
                    } finally {
                        connections.release()
                    }
                selector.attemptEnded(track, context, null)
                if (outcome !== RETRY) {
                    @Suppress("UNCHECKED_CAST")
                    return outcome as R
                }
                context.attemptFailed(context.response?.status, null, System.nanoTime())
            } catch (e: Throwable) {
                selector.attemptEnded(track, context, e)
                if (handed || !retries.afterFailure(context, policy, attempt, e, deadline)) throw e
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
        }
    }

    /**
     * Takes a connection permit within what remains of the call's deadline; nothing is sent once the
     * deadline has passed. A raw block that makes calls of its own holds its permit meanwhile, so such
     * nesting needs spare pool capacity.
     */
    private suspend fun acquireConnection(
        context: RequestContext,
        deadline: Deadline,
    ) {
        if (deadline.isBounded && deadline.remainingNanos() == 0L) throw failures.deadlinePassed(context, deadline)
        if (connections.tryAcquire()) return
        deadline.within { connections.acquire() } ?: throw failures.deadlinePassed(context, deadline)
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

    private companion object {
        /** What an attempt yields when its status is retried instead of handed over. */
        private val RETRY = Any()
        private val log = LoggerFactory.getLogger(CallPipeline::class.java)
    }
}

private fun headersOf(response: HttpResponse): Map<String, List<String>> {
    val map = LinkedHashMap<String, List<String>>()
    response.headers.forEach { name, values -> map[name] = values }
    return map
}
