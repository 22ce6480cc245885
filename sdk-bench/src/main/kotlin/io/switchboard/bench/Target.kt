package io.switchboard.bench

import io.netty.channel.epoll.Epoll
import io.switchboard.server.ServiceServer
import io.switchboard.server.host
import kotlin.system.exitProcess

/** The first line the target prints: the ports of its instances, comma-separated. */
internal const val PORTS_PREFIX = "PORTS "

/**
 * The benchmark's target, run in its own JVM: three sdk-server (Ktor Netty) instances of [BenchService] on
 * 127.0.0.1, each serving the REST routes and the dispatch endpoint. It prints their ports and stops when its
 * standard input closes (the benchmark ends it that way, or by dying).
 */
fun main() {
    val servers =
        (1..3).map { i ->
            ServiceServer {
                host<BenchService>(BenchServiceImpl(i))
                bindHost("127.0.0.1")
                advertisedHost("127.0.0.1")
            }.startAsync().join()
        }
    println("$PORTS_PREFIX${servers.joinToString(",") { it.port.toString() }} epoll=${Epoll.isAvailable()}")
    System.out.flush()
    while (System.`in`.read() >= 0) {
        // wait for the benchmark to close the pipe
    }
    servers.forEach { runCatching { it.stopAsync().join() } }
    exitProcess(0)
}
