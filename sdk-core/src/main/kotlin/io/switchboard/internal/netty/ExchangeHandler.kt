package io.switchboard.internal.netty

import io.ktor.utils.io.ByteReadChannel
import io.ktor.utils.io.writeFully
import io.ktor.utils.io.writer
import io.netty.buffer.ByteBuf
import io.netty.channel.ChannelHandlerContext
import io.netty.channel.ChannelInboundHandlerAdapter
import io.netty.handler.codec.http.FullHttpRequest
import io.netty.handler.codec.http.HttpContent
import io.netty.handler.codec.http.HttpResponse
import io.netty.handler.codec.http.HttpStatusClass
import io.netty.handler.codec.http.HttpUtil
import io.netty.handler.codec.http.LastHttpContent
import io.netty.util.ReferenceCountUtil
import io.netty.util.concurrent.ScheduledFuture
import kotlinx.coroutines.CancellableContinuation
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.GlobalScope
import kotlinx.coroutines.channels.Channel
import java.io.IOException
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicInteger
import java.util.concurrent.atomic.AtomicLong
import kotlin.coroutines.resume
import kotlin.coroutines.resumeWithException

/** Bodies up to this size are gathered whole on the event loop; a longer one streams. */
internal const val BUFFERED_BODY_LIMIT: Int = 1 shl 20

/** A streamed body stops reading from the socket above this many bytes not yet taken by its reader… */
private const val STREAM_HIGH_WATER = 256 * 1024

/** …and reads again once its reader has brought them under this. */
private const val STREAM_LOW_WATER = 64 * 1024

/** The answer to one exchange: its head, and its body either whole or streaming. */
internal class NettyResponse(
    val head: HttpResponse,
    /** The whole body, when it was gathered; null when it streams through [stream]. */
    val body: ByteArray?,
    val stream: ByteReadChannel?,
    /** Stops a streaming body that nobody will read any more (closes its channel); nothing once it has ended. */
    val abort: () -> Unit = {},
)

/** A read timeout of the transport: nothing arrived for that long. */
internal class ReadTimeout(
    message: String,
) : IOException(message)

/** The exchange's own bound passed before it ended. */
internal class ExchangeTimeout(
    val millis: Long,
) : IOException("the exchange took longer than $millis ms")

/**
 * How one exchange failed, for the transport to translate: [reused] channels that broke before [answered]
 * most often had been closed by the server while idle.
 */
internal fun interface FailureMapper {
    fun map(
        cause: Throwable,
        reused: Boolean,
        answered: Boolean,
    ): Throwable
}

/** One request and its answer on a pooled channel, driven on the channel's event loop. */
internal class Exchange(
    private val pooled: PooledChannel,
    private val pool: ChannelPool,
    private val reused: Boolean,
    private val readTimeoutNanos: Long,
    /** The bound of the whole exchange in ms, counted from before it had a channel; 0 for none. */
    private val exchangeMillis: Long,
    /** When that bound ends, on `System.nanoTime()`'s clock. */
    private val exchangeEndNanos: Long,
    private val failures: FailureMapper,
    private val continuation: CancellableContinuation<NettyResponse>,
) {
    private val state = AtomicInteger(ACTIVE)

    // event loop only, from here on
    private var head: HttpResponse? = null
    private var skipping = false
    private var keepAlive = true
    private var body: ByteArray = EMPTY
    private var size = 0

    @Volatile
    private var chunks: Channel<ByteArray>? = null
    private val unread = AtomicLong()
    private var lastRead = 0L

    /** Writes [request] and starts the read timeout; on the event loop. */
    fun start(
        ctx: ChannelHandlerContext,
        request: FullHttpRequest,
    ) {
        if (state.get() != ACTIVE) {
            request.release()
            return
        }
        if (!ctx.channel().isActive) {
            // it closed between leaving the pool and now: nothing was sent
            request.release()
            fail(IOException("the connection was closed before the request was sent"))
            return
        }
        lastRead = System.nanoTime()
        val untilEnd = if (exchangeMillis > 0L) exchangeEndNanos - lastRead else Long.MAX_VALUE
        if (untilEnd <= 0L) {
            request.release()
            fail(ExchangeTimeout(exchangeMillis))
            return
        }
        val first = minOf(readTimeoutNanos, untilEnd)
        if (first in 1 until Long.MAX_VALUE) pooled.handler.wakeAt(lastRead + first)
        keepAlive = HttpUtil.isKeepAlive(request)
        ctx.writeAndFlush(request).addListener {
            if (!it.isSuccess) fail(it.cause())
        }
    }

    /** The caller gave up: the channel cannot be reused mid-exchange, so it is closed. */
    fun cancel() {
        while (true) {
            val current = state.get()
            if (current != ACTIVE && current != STREAMING) return
            if (state.compareAndSet(current, CANCELLED)) {
                pooled.channel.close()
                chunks?.close(CancellationException("the call was cancelled"))
                return
            }
        }
    }

    fun read(msg: Any) {
        lastRead = System.nanoTime()
        if (msg is HttpResponse) onHead(msg)
        if (msg is HttpContent) {
            if (!skipping) onContent(msg.content())
            if (msg is LastHttpContent) {
                if (skipping) skipping = false else onEnd(msg)
            }
        }
    }

    private fun onHead(response: HttpResponse) {
        if (response.decoderResult().isFailure) {
            // an answer came, if a malformed one: not a stale connection
            head = response
            fail(IOException("a malformed answer: ${response.decoderResult().cause()}", response.decoderResult().cause()))
            return
        }
        // an interim answer (100 Continue, 103 Early Hints) precedes the real one
        if (response.status().codeClass() == HttpStatusClass.INFORMATIONAL && response.status().code() != 101) {
            skipping = true
            return
        }
        head = response
        keepAlive = keepAlive && HttpUtil.isKeepAlive(response)
        val length = HttpUtil.getContentLength(response, -1L)
        if (length in 1..BUFFERED_BODY_LIMIT.toLong()) body = ByteArray(length.toInt())
    }

    private fun onContent(content: ByteBuf) {
        val readable = content.readableBytes()
        if (readable == 0 || state.get() == CANCELLED) return
        val streaming = chunks
        if (streaming != null) {
            val bytes = ByteArray(readable)
            content.readBytes(bytes)
            offer(streaming, bytes)
            return
        }
        if (size + readable > BUFFERED_BODY_LIMIT) {
            startStreaming(content)
            return
        }
        if (size + readable > body.size) body = body.copyOf(maxOf(size + readable, minOf(body.size * 2, BUFFERED_BODY_LIMIT), 1024))
        content.readBytes(body, size, readable)
        size += readable
    }

    private fun onEnd(last: LastHttpContent) {
        if (last.decoderResult().isFailure) {
            fail(IOException("a malformed answer: ${last.decoderResult().cause()}", last.decoderResult().cause()))
            return
        }
        val streaming = chunks
        if (streaming != null) {
            if (!state.compareAndSet(STREAMING, DONE)) return
            finish()
            streaming.close()
            return
        }
        if (!state.compareAndSet(ACTIVE, DONE)) return
        finish()
        val bytes = if (size == body.size) body else body.copyOf(size)
        continuation.resume(NettyResponse(head!!, bytes, null)) { _, _, _ -> }
    }

    /** The exchange is over on the channel: it goes back to the pool, or is closed. */
    private fun finish() {
        pooled.handler.ended()
        if (!pooled.channel.config().isAutoRead) pooled.channel.config().isAutoRead = true
        pool.release(pooled, reusable = keepAlive)
    }

    /** More than [BUFFERED_BODY_LIMIT]: the caller gets the answer now and reads the body as it arrives. */
    @OptIn(kotlinx.coroutines.DelicateCoroutinesApi::class, kotlinx.coroutines.InternalCoroutinesApi::class)
    private fun startStreaming(content: ByteBuf) {
        if (!state.compareAndSet(ACTIVE, STREAMING)) return
        val queue = Channel<ByteArray>(Channel.UNLIMITED)
        chunks = queue
        if (size > 0) offer(queue, body.copyOf(size))
        body = EMPTY
        val rest = ByteArray(content.readableBytes())
        content.readBytes(rest)
        offer(queue, rest)
        val stream =
            GlobalScope
                .writer(Dispatchers.Unconfined) {
                    try {
                        for (chunk in queue) {
                            channel.writeFully(chunk)
                            channel.flush()
                            taken(chunk.size)
                        }
                    } finally {
                        // the reader went away before the end: the rest of the body is not wanted, nor the channel
                        if (state.get() == STREAMING) cancel()
                    }
                }.channel
        continuation.resume(NettyResponse(head!!, null, stream, ::abortStream)) { _, _, _ -> cancel() }
    }

    private fun offer(
        queue: Channel<ByteArray>,
        bytes: ByteArray,
    ) {
        queue.trySend(bytes)
        if (unread.addAndGet(bytes.size.toLong()) > STREAM_HIGH_WATER) pooled.channel.config().isAutoRead = false
    }

    /** The reader took [count] bytes; any thread. */
    private fun taken(count: Int) {
        if (unread.addAndGet(-count.toLong()) < STREAM_LOW_WATER && state.get() == STREAMING) {
            val config = pooled.channel.config()
            if (!config.isAutoRead) config.isAutoRead = true
        }
    }

    /** A streamed body its reader gave up on: the rest is not read, so the channel is closed. */
    private fun abortStream() {
        cancel()
        chunks?.close(CancellationException("the body was not read to its end"))
    }

    /**
     * The channel's timer fired at [now] with this exchange on it: fails it when its read timeout or its bound
     * passed, else returns when to look again (`Long.MIN_VALUE` for never); on the event loop.
     */
    fun checkTimeout(now: Long): Long {
        if (state.get() == DONE || state.get() == CANCELLED) return Long.MIN_VALUE
        // while the reader is behind, nothing is read on purpose: that silence is not the server's
        if (!pooled.channel.config().isAutoRead) lastRead = now
        val quiet = now - lastRead
        val untilEnd = if (exchangeMillis > 0L) exchangeEndNanos - now else Long.MAX_VALUE
        return when {
            untilEnd <= 0L -> {
                fail(ExchangeTimeout(exchangeMillis))
                Long.MIN_VALUE
            }

            quiet >= readTimeoutNanos -> {
                fail(ReadTimeout("no data for ${TimeUnit.NANOSECONDS.toMillis(readTimeoutNanos)} ms"))
                Long.MIN_VALUE
            }

            else -> {
                val next = minOf(readTimeoutNanos - quiet, untilEnd)
                if (next == Long.MAX_VALUE) Long.MIN_VALUE else now + next
            }
        }
    }

    /** The exchange failed on the channel (or the channel closed under it): the channel is closed, the caller told. */
    fun fail(cause: Throwable) {
        val was = state.get()
        if ((was != ACTIVE && was != STREAMING) || !state.compareAndSet(was, DONE)) return
        pooled.handler.exchange = null
        pooled.channel.close()
        val failure = failures.map(cause, reused, answered = head != null)
        if (was == ACTIVE) continuation.resumeWithException(failure) else chunks?.close(failure)
    }

    /** The channel closed while this exchange was on it. */
    fun closed() {
        val stage = if (head == null) "before an answer" else "in the middle of the answer"
        fail(IOException("the connection closed $stage"))
    }

    private companion object {
        const val ACTIVE = 0
        const val STREAMING = 1
        const val DONE = 2
        const val CANCELLED = 3
        val EMPTY = ByteArray(0)
    }
}

/**
 * The last handler of a pooled channel: passes what arrives to the channel's current [Exchange]. Anything
 * arriving with no exchange on the channel means it can no longer be trusted, and closes it.
 */
internal class ExchangeHandler(
    /** How long the channel may stay idle in its pool before it is closed. */
    private val keepAliveNanos: Long,
) : ChannelInboundHandlerAdapter() {
    /** The exchange on the channel; set by the caller before its request is written, cleared on the event loop. */
    @Volatile
    var exchange: Exchange? = null

    /** Set once the channel is connected, for idle eviction. */
    @Volatile
    var pooled: PooledChannel? = null

    @Volatile
    var pool: ChannelPool? = null

    private lateinit var context: ChannelHandlerContext

    // the channel's one timer, for its exchanges' timeouts and its idleness; event loop only
    private var timer: ScheduledFuture<*>? = null
    private var timerAt = 0L
    private var idleSince = 0L

    override fun handlerAdded(ctx: ChannelHandlerContext) {
        context = ctx
    }

    /**
     * Makes the channel's timer fire at [at] (on `System.nanoTime()`'s clock) or earlier. A timer already due
     * by then is kept, so that back-to-back exchanges do not each schedule and cancel one: when it fires, it
     * looks at what is on the channel then and sets itself again. On the event loop.
     */
    fun wakeAt(at: Long) {
        val pending = timer
        if (pending != null) {
            if (timerAt - at <= 0L) return
            pending.cancel(false)
        }
        timerAt = at
        timer = context.executor().schedule(::tick, maxOf(0L, at - System.nanoTime()), TimeUnit.NANOSECONDS)
    }

    /** The exchange on the channel ended: from now on the channel idles in its pool. On the event loop. */
    fun ended() {
        exchange = null
        idleSince = System.nanoTime()
        wakeAt(idleSince + keepAliveNanos)
    }

    private fun tick() {
        timer = null
        if (!context.channel().isActive) return
        val now = System.nanoTime()
        val current = exchange
        if (current != null) {
            val next = current.checkTimeout(now)
            if (next != Long.MIN_VALUE) wakeAt(next)
            return
        }
        if (now - idleSince >= keepAliveNanos) {
            val channel = pooled
            val owner = pool
            if (channel != null && owner != null) owner.evictIfIdle(channel)
        } else {
            wakeAt(idleSince + keepAliveNanos)
        }
    }

    override fun channelRead(
        ctx: ChannelHandlerContext,
        msg: Any,
    ) {
        val current = exchange
        try {
            if (current == null) ctx.close() else current.read(msg)
        } finally {
            ReferenceCountUtil.release(msg)
        }
    }

    override fun channelInactive(ctx: ChannelHandlerContext) {
        timer?.cancel(false)
        timer = null
        exchange?.closed()
        ctx.fireChannelInactive()
    }

    @Suppress("OVERRIDE_DEPRECATION")
    override fun exceptionCaught(
        ctx: ChannelHandlerContext,
        cause: Throwable,
    ) {
        val current = exchange
        if (current != null) current.fail(cause) else ctx.close()
    }

    /** Runs [exchange] with [request] on this channel; from any thread. */
    fun begin(
        exchange: Exchange,
        request: FullHttpRequest,
    ) {
        val ctx = context
        val loop = ctx.executor()
        // attached on the loop, right before its request is written: nothing read earlier is taken for its answer
        if (loop.inEventLoop()) {
            this.exchange = exchange
            exchange.start(ctx, request)
        } else {
            loop.execute {
                this.exchange = exchange
                exchange.start(ctx, request)
            }
        }
    }
}
