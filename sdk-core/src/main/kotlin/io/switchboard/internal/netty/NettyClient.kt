package io.switchboard.internal.netty

import io.netty.bootstrap.Bootstrap
import io.netty.channel.ChannelInitializer
import io.netty.channel.ChannelOption
import io.netty.channel.socket.SocketChannel
import io.netty.handler.codec.http.FullHttpRequest
import io.netty.handler.codec.http.HttpClientCodec
import io.netty.handler.codec.http.HttpContentDecompressor
import io.netty.handler.ssl.SslContext
import kotlinx.coroutines.suspendCancellableCoroutine
import java.net.InetSocketAddress
import java.time.Duration
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.TimeUnit

/** Where a pool's channels go. */
internal data class Address(
    val host: String,
    val port: Int,
    val tls: Boolean,
)

/**
 * HTTP/1.1 over Netty for many small calls: per address a [ChannelPool] of at most [maxChannels]
 * keep-alive channels, each with Netty's HTTP codec, gzip decoding and an [ExchangeHandler] (which also
 * times the exchanges and closes the channel once idle for [keepAlive], on one timer per channel). A request is
 * handed to its channel's event loop from the caller's thread, and the answer resumes the caller from
 * the event loop; bodies up to 1 MiB are gathered there, longer ones stream with backpressure. Idle
 * channels close after [keepAlive]. Clients share [EventLoops.shared] unless given loops of their own;
 * closing a client closes its idle channels, and its busy ones as their exchanges end.
 */
internal class NettyClient(
    private val maxChannels: Int,
    private val keepAlive: Duration,
    private val loops: EventLoops = EventLoops.shared,
    /** Whether closing this client shuts its loops down (not the shared ones). */
    private val ownsLoops: Boolean = loops !== EventLoops.shared,
) : AutoCloseable {
    private val bootstrap: Bootstrap =
        Bootstrap()
            .group(loops.group)
            .channel(loops.channelType)
            .option(ChannelOption.TCP_NODELAY, true)
            .option(ChannelOption.SO_KEEPALIVE, true)

    /** A pool per address and TLS context (services may call one address with TLS settings of their own). */
    private val pools = ConcurrentHashMap<PoolKey, ChannelPool>()

    private data class PoolKey(
        val address: Address,
        val tls: SslContext?,
    )

    /** `epoll` or `nio`. */
    val transport: String get() = loops.transport

    /**
     * Sends [request] to [address] on a pooled channel and returns the answer; [readTimeoutNanos] bounds
     * each wait for data (`Long.MAX_VALUE` for none), and [exchangeMillis] (0 for none), ending at
     * [exchangeEndNanos], the whole exchange. Failures of the exchange go through [failures];
     * failures to connect are thrown as Netty reports them.
     */
    suspend fun exchange(
        address: Address,
        tls: SslContext?,
        request: FullHttpRequest,
        connectTimeoutMillis: Long,
        readTimeoutNanos: Long,
        exchangeMillis: Long,
        exchangeEndNanos: Long,
        failures: FailureMapper,
    ): NettyResponse {
        if (closed) throw java.io.IOException("the client is closed")
        val key = PoolKey(address, if (address.tls) checkNotNull(tls) { "no TLS context for $address" } else null)
        val pool = pools[key] ?: pools.computeIfAbsent(key, ::newPool)
        // a pool made while the client was closing would never be closed: close it now
        if (closed) pool.close()
        val (pooled, reused) =
            try {
                pool.acquire(connectTimeoutMillis)
            } catch (e: Throwable) {
                request.release()
                throw e
            }
        return suspendCancellableCoroutine { continuation ->
            val exchange =
                Exchange(pooled, pool, reused, readTimeoutNanos, exchangeMillis, exchangeEndNanos, failures, continuation)
            continuation.invokeOnCancellation { exchange.cancel() }
            pooled.handler.begin(exchange, request)
        }
    }

    /** The open and idle channels to [address], for tests and diagnostics. */
    fun channels(address: Address): Pair<Int, Int> {
        val matching = pools.filterKeys { it.address == address }.values
        return matching.sumOf { it.openChannels } to matching.sumOf { it.idleChannels }
    }

    /** Closes the idle channels to an address that left (its busy ones close when their exchange ends). */
    fun evict(address: Address) {
        pools.keys.filter { it.address == address }.forEach { key -> pools.remove(key)?.close() }
    }

    private fun newPool(key: PoolKey): ChannelPool {
        val address = key.address
        return ChannelPool("${address.host}:${address.port}", maxChannels) { connectTimeoutMillis ->
            val handler = ExchangeHandler(keepAlive.toNanos())
            val future =
                bootstrap
                    .clone()
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectTimeoutMillis)
                    .handler(
                        object : ChannelInitializer<SocketChannel>() {
                            override fun initChannel(channel: SocketChannel) {
                                val pipeline = channel.pipeline()
                                key.tls?.let { pipeline.addLast(it.newHandler(channel.alloc(), address.host, address.port)) }
                                // answers with headers up to 256 KB, as OkHttp allows
                                pipeline.addLast(HttpClientCodec(4096, 256 * 1024, 8192))
                                pipeline.addLast(HttpContentDecompressor(0))
                                pipeline.addLast(handler)
                            }
                        },
                    ).connect(InetSocketAddress(address.host, address.port))
            future to handler
        }
    }

    @Volatile
    private var closed = false

    override fun close() {
        closed = true
        pools.values.forEach(ChannelPool::close)
        pools.clear()
        if (ownsLoops) loops.group.shutdownGracefully(0, 1, TimeUnit.SECONDS)
    }
}
