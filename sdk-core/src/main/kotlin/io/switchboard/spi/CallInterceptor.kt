package io.switchboard.spi

import io.switchboard.RequestContext
import io.switchboard.ResponseInfo
import io.switchboard.ServiceInstance

/**
 * Wraps the calls of a manager, or each of their attempts, the way a decorator does: it runs code
 * before and after [CallChain.proceed], may call it again, or may answer without calling it.
 *
 * The seed's three-phase [Interceptor] keeps its contract and runs once per call, outside: its
 * `beforeRequest` comes first, then the call interceptors' [interceptCall] (smaller [order] outside),
 * then the attempt loop, where every attempt on an instance runs through [interceptAttempt]. A call's
 * deadline is fixed before [interceptCall] runs.
 *
 * Java implements [JavaCallInterceptor].
 */
public interface CallInterceptor {
    /** The interceptor's name; a second one with the same name is ignored. */
    public val name: String

    /** Position in the chain: smaller runs outside (first before, last after). */
    public val order: Int get() = 0

    /**
     * Wraps the whole call: every attempt, the retries and the decoding of the answer. Returns what
     * [CallChain.proceed] returned, or a value of the call's result type to answer without a request.
     * Calling [CallChain.proceed] again runs the whole attempt loop again, preferring instances the call
     * has not tried.
     */
    public suspend fun interceptCall(chain: CallChain): Any? = chain.proceed()

    /**
     * Wraps one attempt on one instance ([AttemptChain.instance], also in the context's
     * `selectedInstance`). Headers changed before [AttemptChain.proceed] go with this attempt. Returns the
     * [ResponseInfo] that [AttemptChain.proceed] returned, or throws; an attempt must proceed exactly once.
     */
    public suspend fun interceptAttempt(chain: AttemptChain): ResponseInfo = chain.proceed()
}

/** The rest of a call, handed to [CallInterceptor.interceptCall]. */
public interface CallChain {
    /** The call. */
    public val context: RequestContext

    /** Runs the rest of the call (the next interceptor, or the attempt loop); returns the call's result. */
    public suspend fun proceed(): Any?
}

/** The rest of one attempt, handed to [CallInterceptor.interceptAttempt]. */
public interface AttemptChain {
    /** The call. */
    public val context: RequestContext

    /** The instance this attempt goes to. */
    public val instance: ServiceInstance

    /** Which attempt of the call this is, from 1. */
    public val attempt: Int

    /**
     * Sends the attempt (through the next interceptor) and returns the status and headers it got; throws
     * when it failed before an answer. An answer that is retried elsewhere (a 503, say) returns here too.
     */
    public suspend fun proceed(): ResponseInfo
}
