package io.switchboard.spi

import io.switchboard.RequestContext
import io.switchboard.ResponseInfo
import io.switchboard.ServiceInstance
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.currentCoroutineContext
import kotlinx.coroutines.future.await
import kotlinx.coroutines.future.future
import java.util.concurrent.CompletableFuture
import java.util.concurrent.CompletionStage

/**
 * The Java face of [CallInterceptor]: wraps a call or an attempt with [CompletionStage]s. Each method's
 * default proceeds unchanged. Add one with `ServiceManagerBuilder.addCallInterceptor(JavaCallInterceptor)`.
 *
 * The methods run on the call's thread: start asynchronous work and return, never block in them.
 */
public interface JavaCallInterceptor {
    /** The interceptor's name; a second one with the same name is ignored. */
    public fun getName(): String

    /** Position in the chain: smaller runs outside. */
    public fun getOrder(): Int = 0

    /** Wraps the whole call; see [CallInterceptor.interceptCall]. */
    public fun interceptCall(chain: JavaCallChain): CompletionStage<Any?> = chain.proceed()

    /** Wraps one attempt; see [CallInterceptor.interceptAttempt]. */
    public fun interceptAttempt(chain: JavaAttemptChain): CompletionStage<ResponseInfo> = chain.proceed()

    /** Wraps this as a [CallInterceptor]. */
    public fun asCallInterceptor(): CallInterceptor = JavaCallInterceptorAdapter(this)
}

/** The rest of a call, for [JavaCallInterceptor.interceptCall]. */
public interface JavaCallChain {
    /** The call. */
    public fun getContext(): RequestContext

    /** Runs the rest of the call; completes with the call's result. */
    public fun proceed(): CompletableFuture<Any?>
}

/** The rest of one attempt, for [JavaCallInterceptor.interceptAttempt]. */
public interface JavaAttemptChain {
    /** The call. */
    public fun getContext(): RequestContext

    /** The instance this attempt goes to. */
    public fun getInstance(): ServiceInstance

    /** Which attempt of the call this is, from 1. */
    public fun getAttempt(): Int

    /** Sends the attempt; completes with the status and headers it got, or with its failure. */
    public fun proceed(): CompletableFuture<ResponseInfo>
}

private class JavaCallInterceptorAdapter(
    private val delegate: JavaCallInterceptor,
) : CallInterceptor {
    override val name: String get() = delegate.getName()
    override val order: Int get() = delegate.getOrder()

    override suspend fun interceptCall(chain: CallChain): Any? {
        // proceeding runs as a child of the call, so cancelling the call cancels it
        val scope = CoroutineScope(currentCoroutineContext())
        return delegate
            .interceptCall(
                object : JavaCallChain {
                    override fun getContext(): RequestContext = chain.context

                    override fun proceed(): CompletableFuture<Any?> = scope.future(start = CoroutineStart.UNDISPATCHED) { chain.proceed() }
                },
            ).await()
    }

    override suspend fun interceptAttempt(chain: AttemptChain): ResponseInfo {
        val scope = CoroutineScope(currentCoroutineContext())
        return delegate
            .interceptAttempt(
                object : JavaAttemptChain {
                    override fun getContext(): RequestContext = chain.context

                    override fun getInstance(): ServiceInstance = chain.instance

                    override fun getAttempt(): Int = chain.attempt

                    override fun proceed(): CompletableFuture<ResponseInfo> =
                        scope.future(start = CoroutineStart.UNDISPATCHED) { chain.proceed() }
                },
            ).await()
    }

    override fun toString(): String = delegate.toString()
}
