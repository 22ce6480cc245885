package io.switchboard.service

import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.ints.shouldBeLessThan
import io.kotest.matchers.longs.shouldBeLessThan
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.kotest.matchers.string.shouldNotContain
import io.switchboard.server.ServiceServer
import io.switchboard.server.host
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.time.Duration
import java.util.concurrent.CountDownLatch
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicInteger

/** A service that fails on purpose, and by accident with a secret in the message. */
@Service(name = "vault")
interface VaultService {
    suspend fun open(code: String): String
}

private const val SECRET = "jdbc:postgresql://db:5432/prod?user=app&password=hunter2"

class Vault : VaultService {
    override suspend fun open(code: String): String =
        when (code) {
            "locked" -> throw ServiceErrorException("Locked", "the vault is locked until 9:00", 409)
            else -> throw IllegalStateException("cannot connect to $SECRET")
        }
}

/**
 * What a hosted service answers to requests a caller should not send: nulls and missing parameters are 400s
 * naming them, before the implementation runs; a failure's message (which may hold a secret) never reaches the
 * caller, who gets an error id instead; nothing echoes the input at length or lists what is hosted.
 */
class HostileRequestTest :
    FunSpec({
        val hung = CountDownLatch(1)
        val hungRuns = AtomicInteger()
        val server =
            ServiceServer {
                host<PeopleService>(People("hostile"))
                host<VaultService>(Vault())
                healthCheck("database", { throw IllegalStateException("cannot reach $SECRET") })
                healthCheck("cache", {
                    hungRuns.incrementAndGet()
                    hung.await(60, TimeUnit.SECONDS)
                }, failIfSlowerThan = Duration.ofMillis(300))
            }.startAsync().join()
        val http = HttpClient.newHttpClient()
        afterSpec {
            hung.countDown()
            server.close()
        }

        fun send(
            method: String,
            path: String,
            body: ByteArray? = null,
            contentType: String? = "application/json",
            headers: Map<String, String> = emptyMap(),
        ): Pair<Int, String> {
            val request =
                HttpRequest
                    .newBuilder(URI.create(server.baseUrl + path))
                    .method(method, if (body == null) HttpRequest.BodyPublishers.noBody() else HttpRequest.BodyPublishers.ofByteArray(body))
                    .apply { contentType?.let { header("Content-Type", it) } }
                    .apply { headers.forEach { (k, v) -> header(k, v) } }
                    .build()
            val response = http.send(request, HttpResponse.BodyHandlers.ofString())
            return response.statusCode() to response.body()
        }

        fun post(
            path: String,
            json: String,
        ) = send("POST", path, json.toByteArray())

        fun bytes(vararg values: Int) = ByteArray(values.size) { values[it].toByte() }

        test("a null for a non-null parameter is a 400 naming it, in dispatch-json and MessagePack") {
            post("/_dispatch/people/save", "[null]").let { (status, text) ->
                status shouldBe 400
                text shouldContain "argument 'person' (1 of 1) of people.save must not be null"
            }
            post("/_dispatch/people/search", "[null, 3]").let { (status, text) ->
                status shouldBe 400
                text shouldContain "argument 'name' (1 of 2) of people.search must not be null"
            }
            send("POST", "/_dispatch/people/save", bytes(0x91, 0xc0), "application/msgpack").let { (status, text) ->
                status shouldBe 400
                text shouldContain "argument 'person' (1 of 1) of people.save must not be null"
            }
            // a nullable parameter takes null: find(id) has none, save's Person.address is nullable inside the body
            post("/_dispatch/people/save", """[{"id":1,"name":"Ada","address":null}]""").first shouldBe 200
        }

        test("an empty Protocol Buffers body leaves a non-null argument unset: 400") {
            send("POST", "/_dispatch/people/save", ByteArray(0), "application/x-protobuf").let { (status, text) ->
                status shouldBe 400
                text shouldContain "people.save"
                text shouldContain "person"
            }
        }

        test("a REST call without a required query parameter or header is a 400 naming it") {
            send("GET", "/api/people?limit=3").let { (status, text) ->
                status shouldBe 400
                text shouldContain "query parameter 'name' of people.search is missing"
            }
            send("GET", "/api/people?name=a").let { (status, text) ->
                status shouldBe 400
                text shouldContain "query parameter 'limit' of people.search is missing"
            }
            send("GET", "/api/whoami").let { (status, text) ->
                status shouldBe 400
                text shouldContain "header 'X-Caller' of people.whoami is missing"
            }
            send("GET", "/api/whoami", headers = mapOf("X-Caller" to "ada")).first shouldBe 200
        }

        test("a failure's message never reaches the caller: a 500 carries an error id; a ServiceErrorException is answered as it is") {
            post("/_dispatch/vault/open", "[\"now\"]").let { (status, text) ->
                status shouldBe 500
                text shouldNotContain "hunter2"
                text shouldNotContain "IllegalStateException"
                text shouldContain "\"type\":\"InternalError\""
                text shouldContain "vault.open failed; the server logged it with error id "
                text shouldContain "\"id\":\""
            }
            post("/_dispatch/vault/open", "[\"locked\"]").let { (status, text) ->
                status shouldBe 409
                text shouldContain "\"type\":\"Locked\""
                text shouldContain "the vault is locked until 9:00"
            }
        }

        test("a dispatch call without a Content-Type is a 415, not read as JSON") {
            send("POST", "/_dispatch/people/search", "[\"a\", 1]".toByteArray(), contentType = null).let { (status, text) ->
                status shouldBe 415
                text shouldContain "expected: application/json"
            }
        }

        test("404s list nothing hosted, and a long name comes back as a short excerpt") {
            post("/_dispatch/nobody/x", "[]").let { (status, text) ->
                status shouldBe 404
                text shouldNotContain "people"
                text shouldNotContain "vault"
            }
            val long = "m".repeat(3_000)
            post("/_dispatch/people/$long", "[]").let { (status, text) ->
                status shouldBe 404
                text shouldNotContain "search"
                text.length shouldBeLessThan 400
            }
        }

        test("/health hides a failing check's message, and a hung check is DOWN at its limit without piling up") {
            val started = System.nanoTime()
            send("GET", "/health", contentType = null).let { (status, text) ->
                status shouldBe 503
                text shouldNotContain "hunter2"
                text shouldContain "threw IllegalStateException"
                text shouldContain "did not answer within 300 ms"
            }
            ((System.nanoTime() - started) / 1_000_000) shouldBeLessThan 5_000L
            send("GET", "/health", contentType = null).first shouldBe 503
            // the hung run is still the one in flight: no second thread was taken
            hungRuns.get() shouldBe 1
            // and calls are served meanwhile
            post("/_dispatch/people/search", "[\"a\", 1]").first shouldBe 200
        }
    })
