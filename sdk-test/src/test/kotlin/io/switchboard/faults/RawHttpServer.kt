package io.switchboard.faults

import io.switchboard.ServiceInstance
import java.io.BufferedInputStream
import java.io.IOException
import java.io.InputStream
import java.net.InetAddress
import java.net.ServerSocket
import java.net.Socket
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.atomic.AtomicInteger
import kotlin.concurrent.thread

/**
 * A bare HTTP/1.1 server on a plain [ServerSocket], for failures a real server would not produce on
 * demand. `GET /hello` is answered `{"status":"OK","server":"<name>"}` on a kept-alive connection; any
 * other request is read whole (head and `Content-Length` body), counted, and its connection closed
 * without an answer: an instance that dies after reading the request. [kill] dies abruptly: the
 * listener closes (connections are refused) and every open connection is reset.
 */
class RawHttpServer(
    private val name: String,
) : AutoCloseable {
    private val listener = ServerSocket(0, 200, InetAddress.getLoopbackAddress())
    private val open = ConcurrentHashMap.newKeySet<Socket>()
    private val hellos = AtomicInteger()
    private val unanswered = AtomicInteger()

    /** The port it listens on. */
    val port: Int = listener.localPort

    init {
        thread(isDaemon = true, name = "raw-http-$name") {
            while (!listener.isClosed) {
                val socket =
                    try {
                        listener.accept()
                    } catch (_: IOException) {
                        break
                    }
                open += socket
                thread(isDaemon = true, name = "raw-http-$name-conn") { serve(socket) }
            }
        }
    }

    /** How many `GET /hello` were answered. */
    val helloCount: Int get() = hellos.get()

    /** How many other requests were read whole and left unanswered (their connection closed). */
    val unansweredCount: Int get() = unanswered.get()

    /** This server as an instance of [serviceName], with its name as instance id. */
    fun instance(serviceName: String): ServiceInstance = ServiceInstance(serviceName, "127.0.0.1", port, instanceId = name)

    /** Dies abruptly: no new connection is accepted, and every open one is reset (RST), mid-request or idle. */
    fun kill() {
        listener.close()
        for (socket in open) {
            runCatching {
                socket.setSoLinger(true, 0)
                socket.close()
            }
        }
    }

    override fun close() = kill()

    private fun serve(socket: Socket) {
        try {
            val input = BufferedInputStream(socket.getInputStream())
            val output = socket.getOutputStream()
            while (true) {
                val head = readHead(input) ?: return
                val requestLine = head.first()
                val length =
                    head
                        .drop(1)
                        .firstOrNull { it.startsWith("content-length:", ignoreCase = true) }
                        ?.substringAfter(':')
                        ?.trim()
                        ?.toInt() ?: 0
                input.readNBytes(length)
                if (requestLine.startsWith("GET /hello ")) {
                    val body = """{"status":"OK","server":"$name"}""".toByteArray()
                    output.write(
                        ("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${body.size}\r\n\r\n").toByteArray() + body,
                    )
                    output.flush()
                    hellos.incrementAndGet()
                } else {
                    unanswered.incrementAndGet()
                    return
                }
            }
        } catch (_: IOException) {
            // reset by kill(), or the client went away
        } finally {
            open -= socket
            runCatching { socket.close() }
        }
    }

    /** The request line and headers, or null at the end of the stream. */
    private fun readHead(input: InputStream): List<String>? {
        val lines = ArrayList<String>()
        val line = StringBuilder()
        while (true) {
            val b = input.read()
            if (b < 0) return null
            if (b == '\n'.code) {
                val text = line.toString().trimEnd('\r')
                line.setLength(0)
                if (text.isEmpty()) {
                    if (lines.isNotEmpty()) return lines
                } else {
                    lines += text
                }
            } else {
                line.append(b.toChar())
            }
        }
    }

    override fun toString(): String = "RawHttpServer($name on port $port)"
}
