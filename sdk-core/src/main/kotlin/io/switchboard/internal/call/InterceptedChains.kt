package io.switchboard.internal.call

import io.switchboard.RequestContext
import io.switchboard.ResponseInfo
import io.switchboard.ServiceInstance
import io.switchboard.spi.AttemptChain
import io.switchboard.spi.CallChain
import io.switchboard.spi.CallInterceptor

/** The call interceptors' chain around the attempt loop. */
internal class InterceptedCall(
    override val context: RequestContext,
    private val interceptors: List<CallInterceptor>,
    private val index: Int,
    private val attemptLoop: suspend () -> Any?,
) : CallChain {
    override suspend fun proceed(): Any? =
        if (index == interceptors.size) {
            attemptLoop()
        } else {
            interceptors[index].interceptCall(InterceptedCall(context, interceptors, index + 1, attemptLoop))
        }
}

/** The call interceptors' chain around one attempt; [run] yields what the attempt yielded. */
internal class InterceptedAttempt(
    override val context: RequestContext,
    override val instance: ServiceInstance,
    override val attempt: Int,
    private val interceptors: List<CallInterceptor>,
    private val send: suspend () -> Any?,
    private val responseOf: () -> ResponseInfo?,
) : AttemptChain {
    private var index = 0
    private var outcome: Any? = NOT_SENT

    suspend fun run(): Any? {
        proceed()
        if (outcome === NOT_SENT) {
            throw IllegalStateException(
                "a call interceptor's interceptAttempt returned without proceeding (interceptors: " +
                    interceptors.joinToString { it.name } + ")",
            )
        }
        return outcome
    }

    override suspend fun proceed(): ResponseInfo {
        if (index == interceptors.size) {
            if (outcome !==
                NOT_SENT
            ) {
                throw IllegalStateException("an attempt proceeded twice (interceptors: ${interceptors.joinToString { it.name }})")
            }
            outcome = send()
            return responseOf() ?: throw IllegalStateException("the attempt ended without a response")
        }
        val interceptor = interceptors[index++]
        return interceptor.interceptAttempt(this)
    }
}

/** What an intercepted attempt yields until it was sent. */
private val NOT_SENT = Any()
