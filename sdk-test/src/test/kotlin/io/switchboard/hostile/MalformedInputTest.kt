package io.switchboard.hostile

import io.kotest.assertions.withClue
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldBeEmpty
import io.kotest.matchers.ints.shouldBeLessThan
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.switchboard.ServiceManager
import io.switchboard.server.ServiceServer
import io.switchboard.server.host
import io.switchboard.service.Channel
import io.switchboard.service.People
import io.switchboard.service.PeopleService
import io.switchboard.service.Person
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.int
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.jsonPrimitive
import java.lang.management.ManagementFactory

/** One hostile request and what the server must answer: [status], a JSON error whose message holds [says]. */
class Case(
    val name: String,
    val request: ByteArray,
    val status: Int,
    val says: String,
)

private fun bytes(vararg values: Int) = ByteArray(values.size) { values[it].toByte() }

private fun dispatch(
    method: String,
    body: ByteArray,
    contentType: String? = "application/json",
) = rawRequest("POST", "/_dispatch/people/$method", contentType?.let { mapOf("Content-Type" to it) } ?: emptyMap(), body)

private fun json(
    name: String,
    method: String,
    body: String,
    says: String,
    status: Int = 400,
) = Case("JSON: $name", dispatch(method, body.toByteArray()), status, says)

private fun msgpack(
    name: String,
    method: String,
    says: String,
    vararg body: Int,
) = Case("MessagePack: $name", dispatch(method, bytes(*body), "application/msgpack"), 400, says)

private fun protobuf(
    name: String,
    method: String,
    says: String,
    vararg body: Int,
) = Case("Protocol Buffers: $name", dispatch(method, bytes(*body), "application/x-protobuf"), 400, says)

private fun rest(
    name: String,
    method: String,
    target: String,
    status: Int,
    says: String,
    headers: Map<String, String> = emptyMap(),
    body: String = "",
) = Case("REST: $name", rawRequest(method, target, headers, body.toByteArray()), status, says)

private fun framing(
    name: String,
    request: String,
    status: Int,
    says: String,
) = Case("HTTP: $name", request.toByteArray(Charsets.ISO_8859_1), status, says)

/** The cases: every one malformed or hostile, none of them a reason for a 5xx. */
val malformedCases: List<Case> =
    listOf(
        // JSON dispatch: syntax
        json("an empty body", "search", "", "empty"),
        json("an unclosed array", "search", "[\"a\", 1", "not valid JSON"),
        json("a lone bracket", "search", "[", "not valid JSON"),
        json("an object, not an array", "search", "{\"name\":\"a\"}", "not a JSON array"),
        json("a string, not an array", "search", "\"a\"", "not a JSON array"),
        json("a value then more", "search", "[\"a\", 1] [\"b\", 2]", "more follows"),
        json("a value then text", "search", "[\"a\", 1] garbage", "not valid JSON"),
        json("a trailing comma", "search", "[\"a\", 1,]", "not valid JSON"),
        json("single quotes", "search", "['a', 1]", "not valid JSON"),
        json("a comment", "search", "/* hi */ [\"a\", 1]", "not valid JSON"),
        json("NaN", "search", "[\"a\", NaN]", "not valid JSON"),
        json("a leading zero", "search", "[\"a\", 01]", "not valid JSON"),
        json("a lone minus", "search", "[\"a\", -]", "not valid JSON"),
        json("an invalid escape", "search", "[\"a\\x\", 1]", "not valid JSON"),
        json("an unterminated string", "search", "[\"abc, 1]", "not valid JSON"),
        json("a raw control character in a string", "search", "[\"a\u0001b\", 1]", "not valid JSON"),
        json("an unquoted key", "save", "[{id: 1, name: \"a\"}]", "not valid JSON"),
        json("a key twice", "save", "[{\"id\": 1, \"id\": 2, \"name\": \"a\"}]", "duplicate key 'id'"),
        json(
            "a key twice, nested",
            "save",
            "[{\"id\": 1, \"name\": \"a\", \"address\": {\"city\": \"x\", \"city\": \"y\"}}]",
            "duplicate key 'city'",
        ),
        json("nesting deeper than the limit", "search", "[" + "[".repeat(100) + "]".repeat(100) + ", 1]", "nesting depth"),
        json("a string longer than the limit", "search", "[\"" + "a".repeat(5_000) + "\", 1]", "String value length"),
        json("a number of 2,000 digits", "search", "[\"a\", " + "9".repeat(2_000) + "]", "Number value length"),
        // JSON dispatch: arguments
        json("too many arguments", "search", "[\"a\", 1, 2]", "takes 2 argument(s)"),
        json("no arguments", "search", "[]", "takes 2 argument(s)"),
        json("a string for an Int", "search", "[\"a\", \"x\"]", "argument 'limit'"),
        json("a fraction for an Int", "search", "[\"a\", 1.5]", "argument 'limit'"),
        json("an Int out of range", "search", "[\"a\", 99999999999999999999]", "argument 'limit'"),
        json("an exponent for an Int", "search", "[\"a\", 1e999999]", "argument 'limit'"),
        json("null for a non-null parameter", "search", "[null, 1]", "argument 'name' (1 of 2)"),
        json("a field of the wrong type", "save", "[{\"id\": \"x\", \"name\": \"a\"}]", "argument 'person'"),
        json("a required field missing", "save", "[{\"name\": \"a\"}]", "argument 'person'"),
        json("null for a non-null field", "save", "[{\"id\": 1, \"name\": null}]", "argument 'person'"),
        json("an array for an object", "save", "[[1, 2]]", "argument 'person'"),
        Case(
            "JSON: an unknown service",
            rawRequest("POST", "/_dispatch/nobody/x", mapOf("Content-Type" to "application/json"), "[]".toByteArray()),
            404,
            "no service",
        ),
        Case("JSON: an unknown method", dispatch("nothing", "[]".toByteArray()), 404, "has no method"),
        Case("JSON: GET on a dispatch path", rawRequest("GET", "/_dispatch/people/search", emptyMap()), 404, "dispatch calls are POST"),
        // JSON dispatch: encodings and content types
        Case(
            "JSON: bytes that are not UTF-8",
            dispatch("search", bytes('['.code, '"'.code, 0xc3, 0x28, '"'.code, ','.code, '1'.code, ']'.code)),
            400,
            "not valid JSON",
        ),
        Case(
            "JSON: an overlong UTF-8 sequence",
            dispatch("search", bytes('['.code, '"'.code, 0xc0, 0xaf, '"'.code, ','.code, '1'.code, ']'.code)),
            400,
            "not valid JSON",
        ),
        Case(
            "JSON: an unknown charset",
            dispatch("search", "[\"a\", 1]".toByteArray(), "application/json; charset=klingon"),
            415,
            "charset 'klingon'",
        ),
        Case(
            "JSON: bytes invalid in the charset named",
            dispatch("search", bytes('['.code, '"'.code, 0xff, 0xfe, '"'.code, ']'.code), "application/json; charset=US-ASCII"),
            400,
            "not valid US-ASCII",
        ),
        Case("JSON: no Content-Type", dispatch("search", "[\"a\", 1]".toByteArray(), null), 415, "Content-Type"),
        Case(
            "JSON: text/plain",
            dispatch("search", "[\"a\", 1]".toByteArray(), "text/plain"),
            415,
            "content type 'text/plain' is not supported",
        ),
        Case(
            "JSON: a Content-Type that does not parse",
            dispatch("search", "[\"a\", 1]".toByteArray(), ";;;"),
            415,
            "content type ';;;' is not supported",
        ),
        Case("JSON: a body over the limit", dispatch("search", ("[\"" + "a".repeat(70_000) + "\", 1]").toByteArray()), 413, "limit 65536"),
        // MessagePack dispatch
        msgpack("an empty body", "search", "not a valid dispatch-msgpack"),
        msgpack(
            "a list declaring 2^31-1 elements",
            "save",
            "declares 2147483647 element(s)",
            0x91,
            0x95,
            0x01,
            0xa1,
            0x61,
            0xc0,
            0xdd,
            0x7f,
            0xff,
            0xff,
            0xff,
        ),
        msgpack("a string longer than the body", "search", "not a valid dispatch-msgpack", 0x92, 0xdb, 0x7f, 0xff, 0xff, 0xff, 0x61, 0x05),
        msgpack("too many arguments", "search", "the array has 3", 0x93, 0xa1, 0x61, 0x05, 0x05),
        msgpack("bytes after the value", "search", "1 byte(s) after the value", 0x92, 0xa1, 0x61, 0x05, 0xc0),
        msgpack("nil for a non-null parameter", "search", "'name'", 0x92, 0xc0, 0x05),
        msgpack("an int for a string", "search", "not a valid dispatch-msgpack", 0x92, 0x05, 0x05),
        msgpack("a map for the argument array", "search", "not a valid dispatch-msgpack", 0x81, 0xa1, 0x61, 0x05),
        msgpack("the reserved byte 0xc1", "search", "not a valid dispatch-msgpack", 0x92, 0xc1, 0x05),
        msgpack("a truncated uint16", "search", "not a valid dispatch-msgpack", 0x92, 0xa1, 0x61, 0xcd, 0x01),
        msgpack("an extension value", "search", "not a valid dispatch-msgpack", 0x92, 0xd4, 0x01, 0x00, 0x05),
        msgpack("nested arrays for a string", "search", "not a valid dispatch-msgpack", 0x92, 0x91, 0x91, 0x91, 0x90, 0x05),
        // Protocol Buffers dispatch
        protobuf("an empty body", "search", "of people.search is missing"),
        protobuf("a truncated varint", "search", "not a valid dispatch-protobuf", 0x10, 0xff),
        protobuf("a length of 2^31", "search", "not a valid dispatch-protobuf", 0x0a, 0xff, 0xff, 0xff, 0xff, 0x07),
        protobuf("a length past the end", "search", "not a valid dispatch-protobuf", 0x0a, 0x10, 0x61),
        protobuf("wire type 7", "search", "not a valid dispatch-protobuf", 0x0f, 0x01),
        protobuf("field number 0", "search", "not a valid dispatch-protobuf", 0x00, 0x01),
        protobuf("a string where a varint belongs", "search", "not a valid dispatch-protobuf", 0x0a, 0x01, 0x61, 0x12, 0x01, 0x41),
        // REST
        rest("a path parameter that is not an Int", "GET", "/api/people/abc", 400, "argument 'id'"),
        rest("a path parameter out of range", "GET", "/api/people/99999999999", 400, "argument 'id'"),
        rest("a required query parameter missing", "GET", "/api/people?name=a", 400, "query parameter 'limit'"),
        rest("a query parameter that is not an Int", "GET", "/api/people?name=a&limit=x", 400, "argument 'limit'"),
        rest("a required header missing", "GET", "/api/whoami", 400, "header 'X-Caller'"),
        rest("a body missing", "POST", "/api/people", 400, "not valid JSON", mapOf("Content-Type" to "application/json")),
        rest("a body of the wrong type", "POST", "/api/people", 415, "is not supported", mapOf("Content-Type" to "text/plain"), "{}"),
        rest("a malformed body", "POST", "/api/people", 400, "not valid JSON", mapOf("Content-Type" to "application/json"), "{\"id\": 1,"),
        rest(
            "a body with a key twice",
            "POST",
            "/api/people",
            400,
            "duplicate key 'name'",
            mapOf("Content-Type" to "application/json"),
            "{\"id\": 1, \"name\": \"a\", \"name\": \"b\"}",
        ),
        rest("broken percent-encoding", "GET", "/api/people/%zz", 400, "percent-encoding"),
        rest("an unknown path", "GET", "/no/such/path", 404, "no route"),
        // HTTP framing
        framing("a request line that is not HTTP", "HELLO\r\n\r\n", 400, ""),
        framing("a header without a colon", "GET /health HTTP/1.1\r\nHost: x\r\nNoColonHere\r\n\r\n", 400, ""),
        framing(
            "a Content-Length that is not a number",
            "POST /_dispatch/people/search HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
            400,
            "",
        ),
        framing("a negative Content-Length", "POST /_dispatch/people/search HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n", 400, ""),
        framing(
            "two different Content-Lengths",
            "POST /_dispatch/people/search HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n[]",
            400,
            "",
        ),
        framing(
            "a chunk size that is not hex",
            "POST /_dispatch/people/search HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n[]\r\n0\r\n\r\n",
            400,
            "",
        ),
        framing("a request line over the limit", "GET /" + "a".repeat(10_000) + " HTTP/1.1\r\nHost: x\r\n\r\n", 414, ""),
        framing("headers over the limit", "GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + "b".repeat(20_000) + "\r\n\r\n", 431, ""),
    )

/**
 * The malformed-input suite: every case answered with its 4xx and a JSON error naming the problem, never a 5xx;
 * the server answers a good call after each; the heap after the suite run ten times more is where it was.
 */
class MalformedInputTest :
    FunSpec({
        val server =
            ServiceServer {
                host<PeopleService>(People("malformed"))
                maxBodyBytes(64 * 1024)
                maxJsonDepth(32)
                maxJsonStringLength(4_096)
            }.startAsync().join()
        val manager = ServiceManager { staticInstances("people", server.instances[0]) }
        val people = manager.getService<PeopleService>(Channel.DISPATCH_JSON)
        afterSpec {
            manager.close()
            server.close()
        }

        fun check(case: Case): String? {
            val answer = rawExchange(server.port, case.request)
            if (answer.status !=
                case.status
            ) {
                return "${case.name}: answered ${answer.status}, expected ${case.status}: ${answer.body.take(300)}"
            }
            val error =
                runCatching { Json.parseToJsonElement(answer.body).jsonObject["error"]!!.jsonObject }.getOrNull()
                    ?: return "${case.name}: not a JSON error body: ${answer.body.take(300)}"
            if (error["status"]?.jsonPrimitive?.int != case.status) return "${case.name}: the body's status is ${error["status"]}"
            val message = error["message"]?.jsonPrimitive?.content.orEmpty()
            if (!message.contains(case.says)) return "${case.name}: the message does not say '${case.says}': $message"
            return null
        }

        test("at least 60 cases across JSON, MessagePack, Protocol Buffers, REST and HTTP framing") {
            (malformedCases.size >= 60) shouldBe true
            malformedCases.map { it.name.substringBefore(':') }.toSet() shouldBe
                setOf("JSON", "MessagePack", "Protocol Buffers", "REST", "HTTP")
        }

        test("each is a 4xx with a JSON error naming the problem, and a good call is answered after each") {
            val wrong =
                malformedCases.mapNotNull { case ->
                    check(case).also {
                        withClue("a good call after '${case.name}'") { people.save(Person(1, "good")).name shouldBe "good" }
                    }
                }
            withClue(wrong.joinToString("\n")) { wrong.shouldBeEmpty() }
        }

        test("a body in the charset its Content-Type names is read in that charset") {
            people.save(Person(3, "Zoë"))
            val latin1 = "[\"Zoë\", 1]".toByteArray(Charsets.ISO_8859_1)
            rawExchange(server.port, dispatch("search", latin1, "application/json; charset=ISO-8859-1")).let {
                it.status shouldBe 200
                it.body shouldContain "Zoë"
            }
            val utf16 = "[\"Zoë\", 1]".toByteArray(Charsets.UTF_16LE)
            rawExchange(server.port, dispatch("search", utf16, "application/json; charset=\"UTF-16LE\"")).body shouldContain "Zoë"
        }

        test("the heap is flat after the suite runs ten times more") {
            fun usedAfterGc(): Long {
                repeat(3) { System.gc() }
                return ManagementFactory.getMemoryMXBean().heapMemoryUsage.used
            }
            repeat(2) { malformedCases.forEach { rawExchange(server.port, it.request) } }
            val before = usedAfterGc()
            repeat(10) { malformedCases.forEach { rawExchange(server.port, it.request) } }
            val grown = (usedAfterGc() - before) / (1024 * 1024)
            println("Heap after ${10 * malformedCases.size} hostile requests: ${if (grown >= 0) "+" else ""}$grown MiB")
            grown.toInt() shouldBeLessThan 32
            people.save(Person(2, "still good")).name shouldBe "still good"
        }
    })
