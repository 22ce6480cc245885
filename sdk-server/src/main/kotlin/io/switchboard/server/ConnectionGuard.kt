package io.switchboard.server

import io.netty.buffer.ByteBuf
import io.netty.buffer.Unpooled
import io.netty.channel.ChannelDuplexHandler
import io.netty.channel.ChannelFutureListener
import io.netty.channel.ChannelHandlerContext
import io.netty.channel.ChannelInboundHandlerAdapter
import io.netty.channel.ChannelPipeline
import io.netty.channel.ChannelPromise
import io.netty.handler.codec.TooLongFrameException
import io.netty.handler.codec.http.HttpContent
import io.netty.handler.codec.http.HttpHeaderNames
import io.netty.handler.codec.http.HttpHeaderValues
import io.netty.handler.codec.http.HttpObject
import io.netty.handler.codec.http.HttpRequest
import io.netty.handler.codec.http.HttpResponse
import io.netty.handler.codec.http.HttpStatusClass
import io.netty.handler.codec.http.HttpUtil
import io.netty.handler.codec.http.LastHttpContent
import io.netty.handler.codec.http.TooLongHttpHeaderException
import io.netty.handler.codec.http.TooLongHttpLineException
import io.netty.util.ReferenceCountUtil
import io.switchboard.RetryPolicy
import io.switchboard.service.DispatchProtocol
import org.slf4j.LoggerFactory
import java.time.Duration
import java.util.concurrent.ScheduledFuture
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicInteger

/**
 * What a [ServiceServer] allows a connection, enforced in Netty's pipeline before Ktor sees a request:
 * - at most [maxConnections] open at once; one more is answered 503 (marked not processed, so a Switchboard
 *   caller tries another instance) and closed;
 * - a connection with no request for [idleTimeout] is closed;
 * - a request must arrive whole, headers and body, within [requestReadTimeout] of its first byte (a client
 *   trickling bytes gets 408 and the connection closes);
 * - a request line or headers over Netty's limits get 414 or 431, any other framing error 400, each as the
 *   JSON error body every other answer uses, and the connection closes;
 * - a body announced with `Expect: 100-continue` and a length over [maxBodyBytes] gets 413 without a
 *   `100 Continue` first; a body in more than [maxChunks] pieces (16,384, or more for a larger body limit) gets 413.
 * These apply to HTTP/1.1 connections; HTTP/2 ones are not counted nor limited here.
 * One timer per connection, rescheduled only when it fires early; all state lives on the connection's event loop.
 */
internal class ConnectionGuard(
    private val maxConnections: Int,
    private val idleTimeout: Duration,
    private val requestReadTimeout: Duration,
    private val maxBodyBytes: Long,
    // a body as large as allowed, in pieces of 64 bytes or more, always passes
    private val maxChunks: Int = maxOf(DEFAULT_MAX_CHUNKS.toLong(), maxBodyBytes / 64).coerceAtMost(Int.MAX_VALUE.toLong()).toInt(),
) {
    private val open = AtomicInteger()

    /** Connections open now. */
    val openConnections: Int get() = open.get()

    /** Adds the guard's two handlers around the HTTP codec Ktor named `codec`. */
    fun install(pipeline: ChannelPipeline) {
        // HTTP/2 (cleartext or negotiated over TLS) has no "codec": these limits do not apply to it, nor is it counted
        if (pipeline.get("codec") == null) return
        val state = State()
        pipeline.addBefore("codec", "switchboard-bytes", Bytes(state))
        pipeline.addAfter("codec", "switchboard-requests", Requests(state))
    }

    /** One connection's state; touched only on its event loop. */
    private inner class State {
        lateinit var ctx: ChannelHandlerContext
        var counted = false

        /** Bytes of a request have arrived and its last content has not. */
        var reading = false
        var readStarted = 0L

        /** Requests whose head has arrived and that have not been answered yet (an answer may come before the body). */
        var inFlight = 0

        /** The response being written is an interim one (`100 Continue`): its end answers no request. */
        var interim = false

        /** A response has begun and not ended: a 408 can no longer be written in front of it. */
        var responding = false
        var idleSince = System.nanoTime()
        var chunks = 0
        var timer: ScheduledFuture<*>? = null
        var timerAt = 0L
        var answered = false

        fun deadline(): Long =
            when {
                reading -> readStarted + requestReadTimeout.toNanos()
                inFlight > 0 -> Long.MAX_VALUE
                else -> idleSince + idleTimeout.toNanos()
            }

        /**
         * Makes sure a timer looks at the connection by [deadline]: one at a time, moved only when it would fire too
         * late (a request starting while the idle timer runs), so back-to-back requests schedule nothing.
         */
        fun arm() {
            val deadline = deadline()
            if (deadline == Long.MAX_VALUE) return
            val pending = timer
            if (pending != null) {
                if (timerAt <= deadline) return
                pending.cancel(false)
            }
            timerAt = deadline
            timer = ctx.executor().schedule(::fire, maxOf(0L, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)
        }

        /** Answers [status] with the JSON error body, straight to the socket (from before the codec), and closes. */
        fun respond(
            status: Int,
            type: String,
            message: String,
            extraHeaders: String = "",
        ) {
            if (answered) return
            answered = true
            val body = DispatchProtocol.errorBody(type, message, status).toByteArray()
            val head =
                "HTTP/1.1 $status ${REASONS[status] ?: "Error"}\r\nContent-Type: application/json\r\nContent-Length: ${body.size}\r\n" +
                    extraHeaders + "${HttpHeaderNames.CONNECTION}: ${HttpHeaderValues.CLOSE}\r\n\r\n"
            ctx.writeAndFlush(Unpooled.wrappedBuffer(head.toByteArray(), body)).addListener(ChannelFutureListener.CLOSE)
        }

        private fun fire() {
            timer = null
            if (!ctx.channel().isActive) return
            if (System.nanoTime() < deadline()) return arm()
            if (reading) {
                log.debug("Closing {}: a request did not arrive whole within {}", ctx.channel().remoteAddress(), requestReadTimeout)
                if (!responding) {
                    respond(408, "RequestTimeout", "the request did not arrive whole within ${requestReadTimeout.toMillis()} ms")
                } else {
                    ctx.close()
                }
            } else {
                ctx.close()
            }
        }
    }

    /** Raw bytes, before the codec: counts connections and starts a request's clock at its first byte. */
    private inner class Bytes(
        private val state: State,
    ) : ChannelInboundHandlerAdapter() {
        override fun handlerAdded(ctx: ChannelHandlerContext) {
            state.ctx = ctx
        }

        override fun channelActive(ctx: ChannelHandlerContext) {
            if (open.incrementAndGet() > maxConnections) {
                open.decrementAndGet()
                overLimit(ctx)
                return
            }
            state.counted = true
            state.idleSince = System.nanoTime()
            state.arm()
            ctx.fireChannelActive()
        }

        override fun channelInactive(ctx: ChannelHandlerContext) {
            if (state.counted) open.decrementAndGet()
            state.counted = false
            state.timer?.cancel(false)
            state.timer = null
            ctx.fireChannelInactive()
        }

        override fun channelRead(
            ctx: ChannelHandlerContext,
            msg: Any,
        ) {
            if (state.answered) {
                // the connection is closing after an error answer: what follows is dropped
                ReferenceCountUtil.release(msg)
                return
            }
            // a stray CRLF between requests (allowed by HTTP/1.1) starts no clock
            if (!state.reading && msg is ByteBuf && msg.isReadable && msg.forEachByte { it == CR || it == LF } != -1) {
                state.reading = true
                state.readStarted = System.nanoTime()
                state.arm()
            }
            ctx.fireChannelRead(msg)
        }

        private fun overLimit(ctx: ChannelHandlerContext) {
            if (rejected.getAndIncrement() % LOG_EVERY == 0) {
                log.warn("Refusing connections beyond the limit of {} open ({} refused so far)", maxConnections, rejected.get())
            }
            if (ctx.pipeline().get(SSL_HANDLER) != null) {
                // over TLS a 503 would wait for a whole handshake: close at once (a caller retries a connection refused
                // before its request went out elsewhere)
                ctx.close()
                return
            }
            state.respond(
                503,
                "TooManyConnections",
                "this server has $maxConnections connections open; call another instance",
                "${RetryPolicy.NOT_PROCESSED_HEADER}: true\r\n",
            )
        }
    }

    /** Decoded requests and responses, after the codec: framing errors, completion, and the answer's end. */
    private inner class Requests(
        private val state: State,
    ) : ChannelDuplexHandler() {
        override fun channelRead(
            ctx: ChannelHandlerContext,
            msg: Any,
        ) {
            if (state.answered || msg !is HttpObject) {
                if (state.answered) ReferenceCountUtil.release(msg) else ctx.fireChannelRead(msg)
                return
            }
            val failure = msg.decoderResult().cause()
            if (failure != null) {
                ReferenceCountUtil.release(msg)
                return malformed(failure)
            }
            if (msg is HttpRequest) {
                state.chunks = 0
                state.inFlight++
                if (HttpUtil.is100ContinueExpected(msg) && HttpUtil.getContentLength(msg, -1L) > maxBodyBytes) {
                    ReferenceCountUtil.release(msg)
                    return state.respond(
                        413,
                        "PayloadTooLarge",
                        "the body has ${HttpUtil.getContentLength(msg, -1L)} bytes (limit $maxBodyBytes)",
                    )
                }
            }
            if (msg is HttpContent && ++state.chunks > maxChunks) {
                ReferenceCountUtil.release(msg)
                return state.respond(413, "PayloadTooLarge", "the body came in more than $maxChunks pieces")
            }
            if (msg is LastHttpContent) {
                state.reading = false
                state.arm()
            }
            ctx.fireChannelRead(msg)
        }

        override fun write(
            ctx: ChannelHandlerContext,
            msg: Any,
            promise: ChannelPromise,
        ) {
            if (msg is HttpResponse) {
                state.interim = msg.status().codeClass() == HttpStatusClass.INFORMATIONAL
                if (!state.interim) state.responding = true
            }
            if (msg is LastHttpContent) {
                if (!state.interim) state.responding = false
                if (state.interim) {
                    state.interim = false
                } else if (state.inFlight > 0 && --state.inFlight == 0) {
                    state.idleSince = System.nanoTime()
                    state.arm()
                }
            }
            ctx.write(msg, promise)
        }

        private fun malformed(failure: Throwable) {
            when (failure) {
                is TooLongHttpLineException -> state.respond(414, "UriTooLong", "the request line is too long (${failure.message})")
                is TooLongHttpHeaderException -> state.respond(431, "HeadersTooLarge", "the headers are too large (${failure.message})")
                is TooLongFrameException -> state.respond(431, "HeadersTooLarge", "a request part is too large (${failure.message})")
                else -> state.respond(400, "MalformedRequest", "the request is not valid HTTP/1.1 (${failure.message?.take(200)})")
            }
        }
    }

    companion object {
        /** The default most pieces a request body may come in: a 1 MiB body in 8 KiB pieces is 128. */
        const val DEFAULT_MAX_CHUNKS: Int = 16_384

        private const val LOG_EVERY = 1_000

        /** The name of the TLS handler a server with TLS puts first in each connection's pipeline. */
        const val SSL_HANDLER: String = "ssl"
        private const val CR = '\r'.code.toByte()
        private const val LF = '\n'.code.toByte()
        private val rejected = AtomicInteger()
        private val log = LoggerFactory.getLogger(ConnectionGuard::class.java)
        private val REASONS =
            mapOf(
                400 to "Bad Request",
                408 to "Request Timeout",
                413 to "Payload Too Large",
                414 to "URI Too Long",
                431 to "Request Header Fields Too Large",
            )
    }
}
