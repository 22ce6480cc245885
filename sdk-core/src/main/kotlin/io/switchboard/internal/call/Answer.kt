package io.switchboard.internal.call

import io.ktor.client.statement.HttpResponse
import io.ktor.client.statement.readRawBytes
import io.ktor.utils.io.ByteReadChannel
import io.ktor.utils.io.InternalAPI

/** An attempt's answer as the call path reads it, whichever transport brought it; valid while its exchange lasts. */
internal interface Answer {
    val status: Int

    /** The headers, names as the server spelled them, values in order. */
    fun headers(): Map<String, List<String>>

    /** The whole body. */
    suspend fun bytes(): ByteArray

    /** The body as it arrives. */
    fun channel(): ByteReadChannel
}

/** An answer through a Ktor `HttpClient`. */
internal class KtorAnswer(
    private val response: HttpResponse,
) : Answer {
    override val status: Int get() = response.status.value

    override fun headers(): Map<String, List<String>> = headersOf(response)

    override suspend fun bytes(): ByteArray = response.readRawBytes()

    @OptIn(InternalAPI::class)
    override fun channel(): ByteReadChannel = response.rawContent
}
