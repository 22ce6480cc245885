package io.switchboard.internal

import io.ktor.client.engine.HttpClientEngineConfig
import io.ktor.http.content.OutgoingContent
import io.ktor.utils.io.ByteChannel
import io.ktor.utils.io.readRemaining
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.launch
import kotlinx.io.readByteArray
import kotlin.coroutines.CoroutineContext

/** The Ktor configuration of Switchboard's engines: no dispatcher hop of their own (the transport's thread resumes the call). */
internal class UnconfinedEngineConfig : HttpClientEngineConfig() {
    init {
        dispatcher = Dispatchers.Unconfined
    }
}

/** The bytes of a request body: the manager's bodies are encoded bytes already; channel contents are read first. */
internal suspend fun bytesOf(
    content: OutgoingContent,
    callContext: CoroutineContext,
): ByteArray =
    when (content) {
        is OutgoingContent.ByteArrayContent -> {
            content.bytes()
        }

        is OutgoingContent.NoContent -> {
            ByteArray(0)
        }

        is OutgoingContent.ReadChannelContent -> {
            content.readFrom().readRemaining().readByteArray()
        }

        is OutgoingContent.WriteChannelContent -> {
            coroutineScope {
                val channel = ByteChannel()
                launch {
                    try {
                        content.writeTo(channel)
                        channel.flushAndClose()
                    } catch (e: Throwable) {
                        channel.cancel(e)
                        throw e
                    }
                }
                channel.readRemaining().readByteArray()
            }
        }

        is OutgoingContent.ContentWrapper -> {
            bytesOf(content.delegate(), callContext)
        }

        is OutgoingContent.ProtocolUpgrade -> {
            throw UnsupportedOperationException("protocol upgrades are not supported by the manager's transport")
        }
    }
