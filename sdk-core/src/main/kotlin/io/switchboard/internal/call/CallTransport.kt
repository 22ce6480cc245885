package io.switchboard.internal.call

import io.ktor.client.HttpClient
import io.ktor.client.request.prepareRequest
import io.switchboard.RequestContext
import io.switchboard.ServiceInstance
import java.time.Duration

/** How an attempt's request travels: it is written for [RequestContext] and its answer handed to a block. */
internal interface CallTransport {
    /**
     * Sends the attempt of [context] to [instance] at [url], within what remains of [deadline] and at most
     * [attemptTimeout], and runs [block] with the answer; the exchange ends when the block returns.
     */
    suspend fun <R> exchange(
        context: RequestContext,
        instance: ServiceInstance,
        url: String,
        deadline: Deadline,
        attemptTimeout: Duration?,
        block: suspend (Answer) -> R,
    ): R
}

/** Through a Ktor `HttpClient`: any engine (OkHttp, CIO, a test's mock), with Ktor's plugins and pipelines. */
internal class KtorCallTransport(
    private val client: HttpClient,
    private val writer: RequestWriter,
) : CallTransport {
    override suspend fun <R> exchange(
        context: RequestContext,
        instance: ServiceInstance,
        url: String,
        deadline: Deadline,
        attemptTimeout: Duration?,
        block: suspend (Answer) -> R,
    ): R = client.prepareRequest { writer.write(this, context, url, deadline, attemptTimeout) }.execute { block(KtorAnswer(it)) }
}
