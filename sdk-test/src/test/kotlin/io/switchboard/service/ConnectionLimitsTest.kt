package io.switchboard.service

import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldBeEmpty
import io.kotest.matchers.longs.shouldBeLessThan
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.kotest.matchers.string.shouldStartWith
import io.switchboard.ServiceManager
import io.switchboard.nacos.pollUntil
import io.switchboard.server.ServiceServer
import io.switchboard.server.host
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.delay
import kotlinx.coroutines.withContext
import java.io.InputStream
import java.net.InetSocketAddress
import java.net.Socket
import java.net.SocketTimeoutException
import java.time.Duration
import java.util.concurrent.ConcurrentLinkedQueue

/**
 * What a hosted server allows a connection, tried with raw sockets on loopback: idle connections are closed,
 * a request that trickles in is cut with 408, connections beyond the limit get 503, framing the codec refuses
 * gets a JSON 414/431/400, and a body too large for `Expect: 100-continue` gets 413 without `100 Continue`.
 * Meanwhile a well-behaved caller is served, and its latency is reported.
 */
class ConnectionLimitsTest :
    FunSpec({
        val server =
            ServiceServer {
                host<PeopleService>(People("limits"))
                idleTimeout(Duration.ofMillis(500))
                requestReadTimeout(Duration.ofSeconds(1))
                maxConnections(40)
                maxBodyBytes(64 * 1024)
            }.startAsync().join()
        val manager = ServiceManager { staticInstances("people", server.instances[0]) }
        afterSpec {
            manager.close()
            server.close()
        }

        fun connect(): Socket =
            Socket().apply {
                connect(InetSocketAddress("127.0.0.1", server.port), 2_000)
                soTimeout = 10_000
            }

        /** Everything the server sends until it closes the connection (or 10 s pass). */
        fun InputStream.readUntilClosed(): String {
            val out = StringBuilder()
            val buffer = ByteArray(4096)
            try {
                while (true) {
                    val n = read(buffer)
                    if (n < 0) break
                    out.append(String(buffer, 0, n))
                }
            } catch (_: SocketTimeoutException) {
                out.append("<still open after 10 s>")
            } catch (_: java.net.SocketException) {
                // reset by the server: closed
            }
            return out.toString()
        }

        /** Good calls while [block] runs; returns their latencies in ms (failures as -1). */
        suspend fun goodCallsDuring(block: suspend () -> Unit): List<Long> =
            coroutineScope {
                val latencies = ConcurrentLinkedQueue<Long>()
                var done = false
                val caller =
                    async {
                        while (!done) {
                            val started = System.nanoTime()
                            val ok = runCatching { manager.getService<PeopleService>(Channel.DISPATCH_JSON).search("a", 1) }.isSuccess
                            latencies += if (ok) (System.nanoTime() - started) / 1_000_000 else -1
                            delay(5)
                        }
                    }
                try {
                    block()
                } finally {
                    done = true
                    caller.await()
                }
                latencies.toList()
            }

        fun List<Long>.report(what: String) {
            val sorted = filter { it >= 0 }.sorted()
            println(
                "$what: $size good calls, ${count { it < 0 }} failed, p50 ${sorted.getOrNull(
                    sorted.size / 2,
                )} ms, max ${sorted.lastOrNull()} ms",
            )
            filter { it < 0 }.shouldBeEmpty()
        }

        test("an idle connection is closed after the idle timeout; one in use is not") {
            val idle = List(10) { connect() }
            val started = System.nanoTime()
            withContext(Dispatchers.IO) { idle.forEach { it.getInputStream().readUntilClosed() shouldBe "" } }
            ((System.nanoTime() - started) / 1_000_000) shouldBeLessThan 5_000L
            // a connection answering calls back to back outlives the idle timeout
            connect().use { socket ->
                val out = socket.getOutputStream()
                val input = socket.getInputStream().bufferedReader()
                repeat(8) {
                    out.write("GET /health HTTP/1.1\r\nHost: x\r\n\r\n".toByteArray())
                    out.flush()
                    input.readLine() shouldStartWith "HTTP/1.1 200"
                    while (input.readLine().isNotEmpty()) Unit
                    input.read(CharArray(256))
                    delay(100)
                }
            }
        }

        test("headers trickled a byte at a time are cut with 408 within the read timeout; good calls go on") {
            val latencies =
                goodCallsDuring {
                    withContext(Dispatchers.IO) {
                        val slow =
                            List(20) {
                                connect().also { socket ->
                                    socket.getOutputStream().write("POST /_dispatch/people/search HTTP/1.1\r\nHost: x\r\n".toByteArray())
                                }
                            }
                        val started = System.nanoTime()
                        // one more header byte every 100 ms: never idle, never done
                        val answers =
                            slow.map { socket ->
                                async(Dispatchers.IO) {
                                    val trickle =
                                        Thread {
                                            runCatching {
                                                repeat(100) {
                                                    socket.getOutputStream().write('X'.code)
                                                    Thread.sleep(100)
                                                }
                                            }
                                        }.apply { start() }
                                    socket.getInputStream().readUntilClosed().also { trickle.interrupt() }
                                }
                            }
                        answers.forEach {
                            val text = it.await()
                            text shouldStartWith "HTTP/1.1 408"
                            text shouldContain "\"type\":\"RequestTimeout\""
                        }
                        ((System.nanoTime() - started) / 1_000_000) shouldBeLessThan 5_000L
                    }
                }
            latencies.report("during 20 slow-header clients")
        }

        test("the read timeout cuts a request even when the idle timeout is far longer (the defaults' ratio)") {
            val patient =
                ServiceServer {
                    host<PeopleService>(People("patient"))
                    idleTimeout(Duration.ofMinutes(6))
                    requestReadTimeout(Duration.ofMillis(700))
                }.startAsync().join()
            try {
                Socket().use { socket ->
                    socket.connect(InetSocketAddress("127.0.0.1", patient.port), 2_000)
                    socket.soTimeout = 10_000
                    socket.getOutputStream().write("GET /health HTTP/1.1\r\nHost: x\r\n".toByteArray())
                    val started = System.nanoTime()
                    val text = withContext(Dispatchers.IO) { socket.getInputStream().readUntilClosed() }
                    text shouldStartWith "HTTP/1.1 408"
                    ((System.nanoTime() - started) / 1_000_000) shouldBeLessThan 5_000L
                }
            } finally {
                patient.close()
            }
        }

        test("a body trickled after complete headers is cut with 408 too") {
            connect().use { socket ->
                val out = socket.getOutputStream()
                out.write(
                    "POST /_dispatch/people/search HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n["
                        .toByteArray(),
                )
                val trickle =
                    Thread {
                        runCatching {
                            repeat(100) {
                                out.write(' '.code)
                                Thread.sleep(100)
                            }
                        }
                    }.apply { start() }
                val text = withContext(Dispatchers.IO) { socket.getInputStream().readUntilClosed() }
                trickle.interrupt()
                text shouldStartWith "HTTP/1.1 408"
            }
        }

        test("connections beyond maxConnections get 503, marked not processed; freed, the server takes new ones") {
            // a server of its own, whose idle timeout cannot close the held connections while the test counts them
            val small =
                ServiceServer {
                    host<PeopleService>(People("small"))
                    maxConnections(40)
                }.startAsync().join()
            try {
                fun open() =
                    Socket().apply {
                        connect(InetSocketAddress("127.0.0.1", small.port), 2_000)
                        soTimeout = 10_000
                    }
                val held = List(40) { open() }
                pollUntil("the server counts 40 connections", 10_000) { small.connectionsOpen == 40 }
                open().use { extra ->
                    val text = withContext(Dispatchers.IO) { extra.getInputStream().readUntilClosed() }
                    text shouldStartWith "HTTP/1.1 503"
                    text shouldContain "Switchboard-Not-Processed: true"
                    text shouldContain "\"type\":\"TooManyConnections\""
                }
                held.forEach(Socket::close)
                pollUntil("the connections are released", 10_000) { small.connectionsOpen == 0 }
                ServiceManager { staticInstances("people", small.instances[0]) }.use { m ->
                    m.getService<PeopleService>(Channel.DISPATCH_JSON).search("a", 1) shouldBe emptyList()
                }
            } finally {
                small.close()
            }
        }

        test("a request line or headers over the limits, or broken framing, get JSON 414, 431 and 400") {
            fun exchange(request: String): String =
                connect().use { socket ->
                    socket.getOutputStream().write(request.toByteArray())
                    socket.getInputStream().readUntilClosed()
                }
            withContext(Dispatchers.IO) {
                exchange("GET /${"a".repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n").let {
                    it shouldStartWith "HTTP/1.1 414"
                    it shouldContain "\"type\":\"UriTooLong\""
                }
                exchange("GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${"b".repeat(40_000)}\r\n\r\n").let {
                    it shouldStartWith "HTTP/1.1 431"
                    it shouldContain "\"type\":\"HeadersTooLarge\""
                }
                exchange("POST /_dispatch/people/search HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n").let {
                    it shouldStartWith "HTTP/1.1 400"
                    it shouldContain "\"type\":\"MalformedRequest\""
                }
                exchange(
                    "POST /_dispatch/people/save HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" +
                        "Content-Length: 10000000\r\nExpect: 100-continue\r\n\r\n",
                ).let {
                    it shouldStartWith "HTTP/1.1 413"
                    it.contains("100 Continue") shouldBe false
                }
            }
            manager.getService<PeopleService>(Channel.DISPATCH_JSON).search("a", 1) shouldBe emptyList()
        }

        test("a body in 20,000 one-byte chunks is refused with 413 before it is all read") {
            connect().use { socket ->
                val out = socket.getOutputStream()
                val writer =
                    Thread {
                        runCatching {
                            out.write(
                                "POST /_dispatch/people/search HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                                    .toByteArray(),
                            )
                            val chunks = StringBuilder()
                            repeat(20_000) { chunks.append("1\r\n \r\n") }
                            out.write(chunks.toString().toByteArray())
                            out.write("0\r\n\r\n".toByteArray())
                        }
                    }.apply { start() }
                val text = withContext(Dispatchers.IO) { socket.getInputStream().readUntilClosed() }
                writer.join(5_000)
                text shouldStartWith "HTTP/1.1 413"
                text shouldContain "the body came in more than 16384 pieces"
            }
            manager.getService<PeopleService>(Channel.DISPATCH_JSON).search("a", 1) shouldBe emptyList()
        }
    })
