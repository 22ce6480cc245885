package io.switchboard.bench

import io.netty.bootstrap.Bootstrap
import io.netty.buffer.ByteBufUtil
import io.netty.buffer.Unpooled
import io.netty.channel.Channel
import io.netty.channel.ChannelHandlerContext
import io.netty.channel.ChannelInitializer
import io.netty.channel.ChannelOption
import io.netty.channel.MultiThreadIoEventLoopGroup
import io.netty.channel.SimpleChannelInboundHandler
import io.netty.channel.epoll.Epoll
import io.netty.channel.epoll.EpollIoHandler
import io.netty.channel.epoll.EpollSocketChannel
import io.netty.channel.nio.NioIoHandler
import io.netty.channel.socket.SocketChannel
import io.netty.channel.socket.nio.NioSocketChannel
import io.netty.handler.codec.http.DefaultFullHttpRequest
import io.netty.handler.codec.http.FullHttpRequest
import io.netty.handler.codec.http.FullHttpResponse
import io.netty.handler.codec.http.HttpClientCodec
import io.netty.handler.codec.http.HttpHeaderNames
import io.netty.handler.codec.http.HttpMethod
import io.netty.handler.codec.http.HttpObjectAggregator
import io.netty.handler.codec.http.HttpVersion
import io.netty.util.concurrent.DefaultThreadFactory
import kotlinx.coroutines.CancellableContinuation
import kotlinx.coroutines.suspendCancellableCoroutine
import kotlinx.serialization.json.Json
import java.io.IOException
import java.net.InetSocketAddress
import java.util.concurrent.ConcurrentLinkedDeque
import java.util.concurrent.TimeUnit
import kotlin.coroutines.resume
import kotlin.coroutines.resumeWithException

/**
 * A minimal HTTP/1.1 client on Netty under coroutines, nothing of Switchboard: keep-alive channels taken from
 * a deque (most recent first), Netty's codec and aggregator, the caller's continuation resumed from the
 * event loop. The floor for a coroutine client on Netty here: no timeouts, no retries, no pool bound.
 */
class RawNettyClient(
    port: Int,
) : SuspendingClient {
    private val epoll = Epoll.isAvailable()
    private val group =
        MultiThreadIoEventLoopGroup(
            Runtime.getRuntime().availableProcessors(),
            DefaultThreadFactory("raw-netty", true),
            if (epoll) EpollIoHandler.newFactory() else NioIoHandler.newFactory(),
        )
    private val address = InetSocketAddress("127.0.0.1", port)
    private val host = "127.0.0.1:$port"
    private val idle = ConcurrentLinkedDeque<Channel>()
    private val bootstrap =
        Bootstrap()
            .group(group)
            .channel(if (epoll) EpollSocketChannel::class.java else NioSocketChannel::class.java)
            .option(ChannelOption.TCP_NODELAY, true)
            .handler(
                object : ChannelInitializer<SocketChannel>() {
                    override fun initChannel(channel: SocketChannel) {
                        channel.pipeline().addLast(HttpClientCodec(), HttpObjectAggregator(1 shl 20), Answers())
                    }
                },
            )

    /** Hands each aggregated answer to the continuation waiting on the channel. */
    private class Answers : SimpleChannelInboundHandler<FullHttpResponse>() {
        @Volatile
        var waiter: CancellableContinuation<ByteArray>? = null

        override fun channelRead0(
            ctx: ChannelHandlerContext,
            msg: FullHttpResponse,
        ) {
            val waiting = waiter ?: return
            waiter = null
            if (msg.status().code() != 200) {
                waiting.resumeWithException(IOException("HTTP ${msg.status().code()} from the target"))
            } else {
                waiting.resume(ByteBufUtil.getBytes(msg.content()))
            }
        }

        override fun channelInactive(ctx: ChannelHandlerContext) {
            waiter?.resumeWithException(IOException("the connection closed"))
            waiter = null
        }

        @Deprecated("Deprecated in Java")
        override fun exceptionCaught(
            ctx: ChannelHandlerContext,
            cause: Throwable,
        ) {
            waiter?.resumeWithException(cause)
            waiter = null
            ctx.close()
        }
    }

    private suspend fun channel(): Channel {
        while (true) {
            val channel = idle.pollLast() ?: break
            if (channel.isActive) return channel
        }
        return suspendCancellableCoroutine { continuation ->
            bootstrap.connect(address).addListener { future ->
                future as io.netty.channel.ChannelFuture
                if (future.isSuccess) continuation.resume(future.channel()) else continuation.resumeWithException(future.cause())
            }
        }
    }

    private suspend fun call(request: FullHttpRequest): ByteArray {
        val channel = channel()
        val answers = channel.pipeline().get(Answers::class.java)
        val bytes =
            suspendCancellableCoroutine { continuation ->
                answers.waiter = continuation
                channel.writeAndFlush(request)
            }
        idle.addLast(channel)
        return bytes
    }

    private fun request(
        method: HttpMethod,
        path: String,
        body: ByteArray?,
    ): FullHttpRequest {
        val content = if (body == null) Unpooled.EMPTY_BUFFER else Unpooled.wrappedBuffer(body)
        return DefaultFullHttpRequest(HttpVersion.HTTP_1_1, method, path, content).apply {
            headers().set(HttpHeaderNames.HOST, host)
            if (body != null) {
                headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json")
                headers().set(HttpHeaderNames.CONTENT_LENGTH, body.size)
            }
        }
    }

    // requests built and bodies encoded per call, as every other contender does
    override suspend fun get(): Any =
        Json.decodeFromString(Hello.serializer(), call(request(HttpMethod.GET, "/hello", null)).decodeToString())

    override suspend fun post(): Any {
        val body = Json.encodeToString(Order.serializer(), ORDER).encodeToByteArray()
        return Json.decodeFromString(Order.serializer(), call(request(HttpMethod.POST, "/echo", body)).decodeToString())
    }

    override fun close() {
        idle.forEach { it.close() }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS)
    }
}
