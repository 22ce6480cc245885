package io.switchboard.internal.netty

import io.netty.channel.Channel
import io.netty.channel.ChannelFuture
import kotlinx.coroutines.CancellableContinuation
import kotlinx.coroutines.suspendCancellableCoroutine
import java.io.IOException
import java.util.concurrent.atomic.AtomicBoolean
import kotlin.coroutines.resume
import kotlin.coroutines.resumeWithException

/** One pooled keep-alive channel and the handler that runs its exchanges. */
internal class PooledChannel(
    val channel: Channel,
    val handler: ExchangeHandler,
) {
    /** Whether the channel still counts towards its pool's open channels (until it closes). */
    val counted = AtomicBoolean(true)
}

/**
 * The keep-alive channels to one address: at most [maxChannels] open (or opening) at once. An exchange
 * takes the most recently used idle channel, else opens one, else waits for the next one released; a
 * channel that closes (the server closed it, it failed, it idled past the keep-alive) leaves the pool by
 * itself. Waiting callers are served first come, first served.
 */
internal class ChannelPool(
    private val address: String,
    private val maxChannels: Int,
    /** Starts connecting a new channel; the handler is the one its initializer installed. */
    private val connector: (connectTimeoutMillis: Int) -> Pair<ChannelFuture, ExchangeHandler>,
) {
    private val lock = Any()
    private val idle = ArrayDeque<PooledChannel>()
    private val waiters = ArrayDeque<CancellableContinuation<PooledChannel?>>()
    private var open = 0
    private var closed = false

    /** Channels open or being opened. */
    val openChannels: Int get() = synchronized(lock) { open }

    /** Idle channels, ready for an exchange. */
    val idleChannels: Int get() = synchronized(lock) { idle.size }

    /**
     * A channel for one exchange, and whether it was reused (an idle channel the server may have closed
     * meanwhile) rather than opened for this exchange.
     */
    suspend fun acquire(connectTimeoutMillis: Long): Pair<PooledChannel, Boolean> {
        var reserve = false
        val taken: PooledChannel? =
            synchronized(lock) {
                if (closed) throw IOException("the client is closed")
                val channel = takeIdle()
                if (channel == null && open < maxChannels) {
                    open++
                    reserve = true
                }
                channel
            }
        if (taken != null) return taken to true
        if (reserve) return connect(connectTimeoutMillis) to false
        // every channel is busy: wait for one to be released, or for room when one closes
        val handed = awaitChannel() ?: return connect(connectTimeoutMillis) to false
        return handed to true
    }

    private suspend fun awaitChannel(): PooledChannel? =
        suspendCancellableCoroutine { waiter ->
            var ready: PooledChannel? = null
            var room = false
            synchronized(lock) {
                if (closed) {
                    waiter.resumeWithException(IOException("the client is closed"))
                    return@suspendCancellableCoroutine
                }
                ready = takeIdle()
                if (ready == null) {
                    if (open < maxChannels) {
                        open++
                        room = true
                    } else {
                        waiters.addLast(waiter)
                    }
                }
            }
            when {
                ready != null -> waiter.resume(ready) { _, channel, _ -> release(channel, reusable = true) }
                room -> waiter.resume(null) { _, _, _ -> giveBackRoom() }
                else -> waiter.invokeOnCancellation { synchronized(lock) { waiters.remove(waiter) } }
            }
        }

    /** Under the lock: the most recently used live idle channel, dropping dead ones (their close counts them out). */
    private fun takeIdle(): PooledChannel? {
        while (idle.isNotEmpty()) {
            val channel = idle.removeLast()
            if (channel.channel.isActive) return channel
        }
        return null
    }

    private suspend fun connect(connectTimeoutMillis: Long): PooledChannel {
        val (future, handler) =
            try {
                connector(connectTimeoutMillis.coerceIn(0L, Int.MAX_VALUE.toLong()).toInt()) // 0: no timeout
            } catch (e: Throwable) {
                giveBackRoom()
                throw e
            }
        val pooled = PooledChannel(future.channel(), handler)
        handler.pooled = pooled
        handler.pool = this
        pooled.channel.closeFuture().addListener { closed(pooled) }
        return suspendCancellableCoroutine { continuation ->
            future.addListener {
                if (it.isSuccess) {
                    continuation.resume(pooled) { _, channel, _ -> channel.channel.close() }
                } else {
                    closed(pooled)
                    pooled.channel.close()
                    continuation.resumeWithException(it.cause())
                }
            }
            continuation.invokeOnCancellation { pooled.channel.close() }
        }
    }

    /** Hands [channel] back after its exchange: to a waiting caller, to the idle channels, or closed. */
    fun release(
        channel: PooledChannel,
        reusable: Boolean,
    ) {
        if (!reusable || !channel.channel.isActive) {
            channel.channel.close()
            return
        }
        val waiter: CancellableContinuation<PooledChannel?>?
        synchronized(lock) {
            if (closed) {
                waiter = null
            } else {
                waiter = waiters.removeFirstOrNull()
                if (waiter == null) {
                    idle.addLast(channel)
                    return
                }
            }
        }
        if (waiter == null) {
            channel.channel.close()
        } else {
            waiter.resume(channel) { _, handed, _ -> release(handed, reusable = true) }
        }
    }

    /** Closes [channel] if it is idle (it was idle for the keep-alive time); a channel in use is left alone. */
    fun evictIfIdle(channel: PooledChannel) {
        val removed = synchronized(lock) { idle.remove(channel) }
        if (removed) channel.channel.close()
    }

    private fun closed(channel: PooledChannel) {
        if (channel.counted.compareAndSet(true, false)) giveBackRoom()
    }

    /** One channel fewer: a waiting caller may open one in its place. */
    private fun giveBackRoom() {
        val waiter: CancellableContinuation<PooledChannel?>?
        synchronized(lock) {
            waiter = waiters.removeFirstOrNull()
            if (waiter == null) open-- // else the room passes to the waiter
        }
        waiter?.resume(null) { _, _, _ -> giveBackRoom() }
    }

    /** Closes every idle channel and fails every waiting caller; channels in use close when their exchange ends. */
    fun close() {
        val channels: List<PooledChannel>
        val waiting: List<CancellableContinuation<PooledChannel?>>
        synchronized(lock) {
            closed = true
            channels = idle.toList()
            idle.clear()
            waiting = waiters.toList()
            waiters.clear()
        }
        channels.forEach { it.channel.close() }
        waiting.forEach { it.resumeWithException(IOException("the client is closed")) }
    }

    override fun toString(): String = "ChannelPool($address, open=$openChannels, idle=$idleChannels)"
}
