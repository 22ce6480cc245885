package io.switchboard.hostile

import io.kotest.assertions.withClue
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldBeEmpty
import io.kotest.matchers.shouldBe
import io.switchboard.ServiceManager
import io.switchboard.server.ServiceServer
import io.switchboard.server.host
import io.switchboard.service.Address
import io.switchboard.service.BinaryDispatchFormat
import io.switchboard.service.Channel
import io.switchboard.service.Person
import io.switchboard.service.Service
import io.switchboard.service.ServiceDescriptor
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.time.Duration
import kotlin.random.Random

/** Gives back what it was given, so that any 5xx under the fuzzer is the server's, not the implementation's. */
@Service(name = "echo")
interface EchoService {
    suspend fun echo(
        person: Person,
        count: Int,
        labels: List<String>,
        weights: Map<String, Double>?,
    ): Person
}

class Echo : EchoService {
    override suspend fun echo(
        person: Person,
        count: Int,
        labels: List<String>,
        weights: Map<String, Double>?,
    ): Person = person.copy(tags = person.tags + labels, scores = person.scores + mapOf("count" to count))
}

/** Byte-level mutations of a valid body: the kinds of damage that find decoder bugs. */
private class Mutator(
    private val random: Random,
) {
    private val interesting =
        intArrayOf(
            0x00,
            0x01,
            0x7f,
            0x80,
            0xff,
            0xc0,
            0xc1,
            0xdc,
            0xdd,
            0xde,
            0xdf,
            0xdb,
            0xc6,
            0x0a,
            0x12,
            0x22,
            '['.code,
            '{'.code,
            '"'.code,
            '\\'.code,
        )

    fun mutate(seed: ByteArray): ByteArray {
        var bytes = seed
        repeat(1 + random.nextInt(4)) { bytes = once(bytes) }
        return bytes
    }

    private fun once(bytes: ByteArray): ByteArray {
        if (bytes.isEmpty()) return byteArrayOf(random.nextInt(256).toByte())
        val at = random.nextInt(bytes.size)
        return when (random.nextInt(7)) {
            0 -> {
                bytes.copyOf().also { it[at] = (it[at].toInt() xor (1 shl random.nextInt(8))).toByte() }
            }

            1 -> {
                bytes.copyOf().also { it[at] = interesting[random.nextInt(interesting.size)].toByte() }
            }

            2 -> {
                bytes.copyOfRange(0, at) + byteArrayOf(random.nextInt(256).toByte()) + bytes.copyOfRange(at, bytes.size)
            }

            3 -> {
                bytes.copyOfRange(0, at) + bytes.copyOfRange(minOf(bytes.size, at + 1 + random.nextInt(4)), bytes.size)
            }

            4 -> {
                bytes.copyOfRange(0, at)
            }

            5 -> {
                val end = minOf(bytes.size, at + 1 + random.nextInt(16))
                bytes.copyOfRange(0, end) + bytes.copyOfRange(at, end) + bytes.copyOfRange(end, bytes.size)
            }

            else -> {
                bytes.copyOf().also { it[at] = 0xff.toByte() }
            }
        }
    }
}

/**
 * A seeded random mutator over valid dispatch bodies in the three formats, bounded in time and count: no mutated
 * body gets a 5xx or kills the server, and a good call is answered at the end. The seed is printed, and fixed, so a
 * failure reproduces.
 */
class FuzzTest :
    FunSpec({
        val server = ServiceServer { host<EchoService>(Echo()) }.startAsync().join()
        val manager = ServiceManager { staticInstances("echo", server.instances[0]) }
        val http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build()
        afterSpec {
            manager.close()
            server.close()
        }

        val method = ServiceDescriptor.of(EchoService::class.java).method("echo")!!
        val args =
            arrayOf<Any?>(
                Person(1, "ada", Address("1 Loop", "London"), listOf("x"), mapOf("a" to 1)),
                3,
                listOf("l1", "l2"),
                mapOf("w" to 0.5),
            )
        val seeds =
            listOf(
                "application/json" to
                    """[{"id":1,"name":"ada","address":{"street":"1 Loop","city":"London"},"tags":["x"],"scores":{"a":1}},3,["l1","l2"],{"w":0.5}]"""
                        .toByteArray(),
                BinaryDispatchFormat.MSGPACK.contentType to BinaryDispatchFormat.MSGPACK.encodeArguments(method, args),
                BinaryDispatchFormat.PROTOBUF.contentType to BinaryDispatchFormat.PROTOBUF.encodeArguments(method, args),
            )

        test("mutated JSON, MessagePack and Protocol Buffers bodies never get a 5xx, and the server keeps serving") {
            val seed = 20261206L
            val random = Random(seed)
            val mutator = Mutator(random)
            val until = System.nanoTime() + Duration.ofSeconds(20).toNanos()
            val statuses = HashMap<Int, Int>()
            val fives = ArrayList<String>()
            var sent = 0
            while (sent < 6_000 && System.nanoTime() < until) {
                val (type, valid) = seeds[sent % seeds.size]
                val body = mutator.mutate(valid)
                val response =
                    http.send(
                        HttpRequest
                            .newBuilder(URI.create("${server.baseUrl}/_dispatch/echo/echo"))
                            .header("Content-Type", type)
                            .timeout(Duration.ofSeconds(5))
                            .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                            .build(),
                        HttpResponse.BodyHandlers.ofString(),
                    )
                statuses.merge(response.statusCode(), 1, Int::plus)
                if (response.statusCode() >= 500 && fives.size < 10) {
                    fives +=
                        "$type ${body.joinToString(" ") { "%02x".format(it) }} -> ${response.statusCode()} ${response.body().take(200)}"
                }
                sent++
            }
            println("Fuzzed $sent bodies (seed $seed): answers by status $statuses")
            withClue(fives.joinToString("\n")) { fives.shouldBeEmpty() }
            (sent >= 500) shouldBe true
            manager.getService<EchoService>(Channel.DISPATCH_MSGPACK).echo(Person(2, "grace"), 1, emptyList(), null).name shouldBe "grace"
        }
    })
