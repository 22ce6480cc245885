package io.switchboard.e2e

import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldHaveSize
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.switchboard.HttpEngine
import io.switchboard.RequestOptions
import io.switchboard.ServiceCallException
import io.switchboard.ServiceInstance
import io.switchboard.ServiceManager
import java.net.InetAddress
import java.net.ServerSocket
import java.net.Socket
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.atomic.AtomicInteger
import kotlin.concurrent.thread

/**
 * A server that promises keep-alive but closes every connection when a second request arrives on it, as a
 * server does when a connection sat idle past its timeout: the client's pooled connection is stale.
 */
private class OneAnswerPerConnection : AutoCloseable {
    private val socket = ServerSocket(0, 50, InetAddress.getLoopbackAddress())
    val port: Int get() = socket.localPort
    val connections = AtomicInteger()
    val received = ConcurrentHashMap<String, AtomicInteger>()

    private val acceptor =
        thread(isDaemon = true, name = "one-answer") {
            while (!socket.isClosed) {
                val connection = runCatching { socket.accept() }.getOrNull() ?: break
                connections.incrementAndGet()
                thread(isDaemon = true) { answerOnce(connection) }
            }
        }

    private fun answerOnce(connection: Socket) {
        connection.use {
            val input = it.getInputStream().buffered()
            val head = StringBuilder()
            while (!head.endsWith("\r\n\r\n")) {
                val b = input.read()
                if (b < 0) return
                head.append(b.toChar())
            }
            val lines = head.lines()
            val method = lines.first().substringBefore(' ')
            val length =
                lines
                    .firstOrNull { line -> line.startsWith("content-length:", ignoreCase = true) }
                    ?.substringAfter(':')
                    ?.trim()
                    ?.toInt() ?: 0
            repeat(length) { input.read() }
            received.computeIfAbsent(method) { AtomicInteger() }.incrementAndGet()
            val body = "{\"status\":\"OK\",\"server\":\"one-answer\"}"
            it.getOutputStream().apply {
                write(
                    (
                        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n" +
                            "Connection: keep-alive\r\n\r\n$body"
                    ).toByteArray(),
                )
                flush()
            }
            // keep the connection open until the next request starts, then drop it unanswered: the client cannot see
            // the close coming, as with a server that closed an idle connection while the request was on its way
            input.read()
        }
    }

    override fun close() {
        socket.close()
        acceptor.join(5_000)
    }
}

class PooledConnectionTest :
    FunSpec({
        for (engine in listOf(HttpEngine.NETTY, HttpEngine.OKHTTP)) {
            test("$engine: a GET on a stale pooled connection is repeated on a new one, visibly, even with one instance") {
                OneAnswerPerConnection().use { server ->
                    val contexts = CallRecorder()
                    ServiceManager {
                        staticInstances("svc", ServiceInstance("svc", "127.0.0.1", server.port))
                        engine(engine)
                        addInterceptor(contexts)
                    }.use { manager ->
                        repeat(5) { manager.get<Hello>("svc", "/hello").server shouldBe "one-answer" }
                        server.received["GET"]?.get() shouldBe 5
                        // every call after the first met the stale connection once, then went on over a new one
                        val repeated = contexts.calls.filter { it.attempts.size == 2 }
                        repeated.size shouldBe 4
                        repeated.forEach { call -> call.attempts.map { it.instance.port }.toSet() shouldHaveSize 1 }
                    }
                }
            }

            test("$engine: a POST on a stale pooled connection is not resent by the engine: the error surfaces unless idempotent") {
                OneAnswerPerConnection().use { server ->
                    ServiceManager {
                        staticInstances("svc", ServiceInstance("svc", "127.0.0.1", server.port))
                        engine(engine)
                    }.use { manager ->
                        manager.post<Hello>("svc", "/hello", RequestOptions { text("one") }).server shouldBe "one-answer"
                        val failure =
                            shouldThrow<ServiceCallException> { manager.post<Hello>("svc", "/hello", RequestOptions { text("two") }) }
                        failure.message shouldContain "pooled connection"
                        server.received["POST"]?.get() shouldBe 1
                        val idempotent =
                            RequestOptions {
                                text("three")
                                idempotent(true)
                            }
                        manager.post<Hello>("svc", "/hello", idempotent).server shouldBe "one-answer"
                        server.received["POST"]?.get() shouldBe 2
                    }
                }
            }
        }
    })
