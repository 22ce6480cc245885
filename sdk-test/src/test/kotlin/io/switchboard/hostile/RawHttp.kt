package io.switchboard.hostile

import java.io.ByteArrayOutputStream
import java.net.InetSocketAddress
import java.net.Socket
import java.net.SocketTimeoutException

/** An answer read off a raw connection: its status (0 when none came) and its body as text. */
data class RawAnswer(
    val status: Int,
    val headers: String,
    val body: String,
)

/**
 * Sends [request] as it is (no header fixed up, no framing checked) to 127.0.0.1:[port] and reads the answer until
 * the server closes the connection or [timeoutMillis] passes without a byte.
 */
fun rawExchange(
    port: Int,
    request: ByteArray,
    timeoutMillis: Int = 5_000,
): RawAnswer =
    Socket().use { socket ->
        socket.connect(InetSocketAddress("127.0.0.1", port), 2_000)
        socket.soTimeout = timeoutMillis
        socket.getOutputStream().apply {
            write(request)
            flush()
        }
        val out = ByteArrayOutputStream()
        val buffer = ByteArray(8192)
        try {
            val input = socket.getInputStream()
            while (true) {
                val n = input.read(buffer)
                if (n < 0) break
                out.write(buffer, 0, n)
                if (complete(out.toByteArray())) break
            }
        } catch (_: SocketTimeoutException) {
            // what arrived is the answer
        } catch (_: java.net.SocketException) {
            // reset after the answer
        }
        parse(out.toByteArray())
    }

/** A request of [method] to [target] with [headers] (`Connection: close` added) and [body]. */
fun rawRequest(
    method: String,
    target: String,
    headers: Map<String, String>,
    body: ByteArray = ByteArray(0),
    contentLength: Boolean = true,
): ByteArray {
    val head =
        buildString {
            append("$method $target HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n")
            headers.forEach { (k, v) -> append("$k: $v\r\n") }
            if (contentLength && body.isNotEmpty()) append("Content-Length: ${body.size}\r\n")
            if (contentLength && body.isEmpty() && method == "POST") append("Content-Length: 0\r\n")
            append("\r\n")
        }
    return head.toByteArray(Charsets.ISO_8859_1) + body
}

private fun complete(bytes: ByteArray): Boolean {
    val text = String(bytes, Charsets.ISO_8859_1)
    val end = text.indexOf("\r\n\r\n")
    if (end < 0) return false
    val length =
        Regex("(?im)^content-length:\\s*(\\d+)")
            .find(text.substring(0, end))
            ?.groupValues
            ?.get(1)
            ?.toInt() ?: return false
    return bytes.size >= end + 4 + length
}

private fun parse(bytes: ByteArray): RawAnswer {
    val text = String(bytes, Charsets.UTF_8)
    val status =
        Regex("^HTTP/1\\.[01] (\\d{3})")
            .find(text)
            ?.groupValues
            ?.get(1)
            ?.toInt() ?: 0
    val end = text.indexOf("\r\n\r\n")
    return if (end < 0) RawAnswer(status, text, "") else RawAnswer(status, text.substring(0, end), text.substring(end + 4))
}
