package io.switchboard.internal.netty

import io.netty.channel.EventLoopGroup
import io.netty.channel.IoHandlerFactory
import io.netty.channel.MultiThreadIoEventLoopGroup
import io.netty.channel.nio.NioIoHandler
import io.netty.channel.socket.SocketChannel
import io.netty.channel.socket.nio.NioSocketChannel
import io.netty.util.concurrent.DefaultThreadFactory

/**
 * The event loops a [NettyClient] runs its channels on: Netty's native epoll transport when its native
 * library is on the class path and loads (Linux, `netty-transport-native-epoll` with its platform
 * classifier), NIO otherwise. Threads are daemons, so an unclosed client never keeps a JVM alive.
 */
internal class EventLoops private constructor(
    val group: EventLoopGroup,
    val channelType: Class<out SocketChannel>,
    /** `epoll` or `nio`, for logs and the benchmark. */
    val transport: String,
) {
    companion object {
        /**
         * The loops every manager's client shares, made on first use and never shut down (daemon threads, one per
         * core): many managers in one JVM cost no threads of their own.
         */
        val shared: EventLoops by lazy { create() }

        /** A group of [threads] loops (the number of cores when 0). */
        fun create(threads: Int = 0): EventLoops {
            val count = if (threads > 0) threads else Runtime.getRuntime().availableProcessors()
            val factory = DefaultThreadFactory("switchboard-client", true)
            val epoll = epollOrNull()
            return if (epoll != null) {
                EventLoops(MultiThreadIoEventLoopGroup(count, factory, epoll.first), epoll.second, "epoll")
            } else {
                EventLoops(MultiThreadIoEventLoopGroup(count, factory, NioIoHandler.newFactory()), NioSocketChannel::class.java, "nio")
            }
        }

        /** Epoll's handler factory and channel class, looked up by name so that the classes stay optional. */
        @Suppress("UNCHECKED_CAST")
        private fun epollOrNull(): Pair<IoHandlerFactory, Class<out SocketChannel>>? =
            try {
                val epoll = Class.forName("io.netty.channel.epoll.Epoll")
                if (epoll.getMethod("isAvailable").invoke(null) != true) {
                    null
                } else {
                    val factory =
                        Class.forName("io.netty.channel.epoll.EpollIoHandler").getMethod("newFactory").invoke(null) as IoHandlerFactory
                    factory to (Class.forName("io.netty.channel.epoll.EpollSocketChannel") as Class<out SocketChannel>)
                }
            } catch (e: ReflectiveOperationException) {
                null
            } catch (e: LinkageError) {
                null
            }
    }
}
