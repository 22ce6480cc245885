package io.switchboard

/**
 * The Ktor client engine a manager sends its calls with.
 *
 * [NETTY] is the default: it keeps connections alive for every method and costs the least client CPU
 * per call (see BENCHMARKS.md). The CIO engine of Ktor 3.5 opens a dedicated connection for every request
 * that is not a pipelined GET or HEAD and for every request with its own timeout (see ARCHITECTURE.md),
 * so under [CIO] each call may cost a TCP handshake.
 */
public enum class HttpEngine {
    /**
     * Switchboard's own HTTP/1.1 client over Netty, driven by the manager without a Ktor `HttpClient`: per instance a pool of keep-alive channels sized by
     * `connectionPoolSize`, requests handed to the channel's event loop from the caller's thread and
     * answers resuming the call from the event loop; bodies over 1 MiB stream with backpressure. Native
     * epoll when `netty-transport-native-epoll` for the platform is on the class path, NIO otherwise.
     */
    NETTY,

    /**
     * Switchboard's Ktor engine over OkHttp, with a pool sized by `connectionPoolSize`; connections are
     * reused, and a call crosses threads only to OkHttp and back (about half the client CPU per call of
     * Ktor's own OkHttp engine in the benchmark, see BENCHMARKS.md).
     */
    OKHTTP,

    /** Ktor's CIO engine (pure Kotlin coroutines); a new connection per request in most cases. */
    CIO,
}
