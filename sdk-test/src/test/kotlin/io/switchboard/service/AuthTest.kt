package io.switchboard.service

import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.kotest.matchers.string.shouldNotContain
import io.switchboard.ServiceManager
import io.switchboard.auth.CallerIdentity
import io.switchboard.auth.RequestSignature
import io.switchboard.auth.callerIdentity
import io.switchboard.config.ConfigLoader
import io.switchboard.interceptor.AuthInterceptor
import io.switchboard.server.ServiceServer
import io.switchboard.server.auth.BearerTokenAuthenticator
import io.switchboard.server.auth.HmacAuthenticator
import io.switchboard.server.auth.SigningKey
import io.switchboard.server.host
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse

/** Reports who called it, as the server authenticated the caller. */
@Service(name = "who")
interface WhoService {
    suspend fun me(): String

    suspend fun echo(text: String): String
}

class Who : WhoService {
    override suspend fun me(): String = callerIdentity()?.let { "${it.name}/${it.scheme}" } ?: "anonymous"

    override suspend fun echo(text: String): String = text
}

private const val ORDERS_SECRET = "orders-secret-0123456789abcdef0123456789"

/**
 * Authentication on a hosted server, as callers meet it: bearer tokens and signed requests, 401 and 403 with
 * clear errors, the identity inside the implementation, anonymous methods, `/health` open but terse.
 */
class AuthTest :
    FunSpec({
        val server =
            ServiceServer {
                host<PeopleService>(People("auth"))
                host<WhoService>(Who())
                authenticator(
                    BearerTokenAuthenticator(
                        mapOf(
                            "t-ada" to CallerIdentity("ada", "bearer", setOf("reader")),
                            "t-root" to CallerIdentity("root", "bearer", setOf("reader", "admin")),
                        ),
                    ),
                )
                authenticator(
                    HmacAuthenticator(
                        mapOf("orders" to SigningKey(ORDERS_SECRET, CallerIdentity("orders", "hmac", setOf("admin")))),
                    ),
                )
                requireRole("admin", "people", "remove")
                allowAnonymous("people", "instance")
                // a whole service open to anyone, but one method of it needs a role: anonymous callers do not get it
                allowAnonymous("who")
                requireRole("admin", "who", "echo")
                healthCheck("database", { true })
            }.startAsync().join()
        val http = HttpClient.newHttpClient()

        fun manager(configure: io.switchboard.ServiceManagerBuilder.() -> Unit = {}) =
            ServiceManager {
                staticInstances("people", server.instances.first { it.serviceName == "people" })
                staticInstances("who", server.instances.first { it.serviceName == "who" })
                configure()
            }
        afterSpec { server.close() }

        fun send(
            path: String,
            body: String? = null,
            headers: Map<String, String> = emptyMap(),
        ): HttpResponse<String> {
            val request =
                HttpRequest
                    .newBuilder(URI.create(server.baseUrl + path))
                    .apply {
                        if (body == null) GET() else POST(HttpRequest.BodyPublishers.ofString(body))
                        if (body != null) header("Content-Type", "application/json")
                        headers.forEach { (k, v) -> header(k, v) }
                    }.build()
            return http.send(request, HttpResponse.BodyHandlers.ofString())
        }

        test("without credentials a call is 401 naming the schemes, before anything hosted is revealed") {
            send("/_dispatch/people/search", "[\"a\", 1]").let {
                it.statusCode() shouldBe 401
                it.headers().allValues("WWW-Authenticate") shouldBe listOf("Bearer realm=\"switchboard\"", "Switchboard-HMAC-SHA256")
                it.body() shouldContain "\"type\":\"Unauthenticated\""
                it.body() shouldContain "people.search needs credentials"
            }
            // a service, a REST route or a path that does not exist answers the same: no 404 to tell them apart
            send("/_dispatch/secret-service/x", "[]").statusCode() shouldBe 401
            send("/api/people?name=a&limit=1").statusCode() shouldBe 401
            send("/api/nothing-here").statusCode() shouldBe 401
            send("/api/nothing-here", headers = mapOf("Authorization" to "Bearer t-ada")).statusCode() shouldBe 404
        }

        test("an anonymous service does not lend its openness to a method that needs a role") {
            manager().use { m ->
                m.getService<WhoService>(Channel.DISPATCH_JSON).me() shouldBe "anonymous"
                shouldThrow<RemoteServiceException> { m.getService<WhoService>(Channel.DISPATCH_JSON).echo("x") }.status shouldBe 401
            }
            manager { addInterceptor(AuthInterceptor("t-ada")) }.use { m ->
                shouldThrow<RemoteServiceException> { m.getService<WhoService>(Channel.DISPATCH_JSON).echo("x") }.status shouldBe 403
            }
            manager { addInterceptor(AuthInterceptor("t-root")) }.use { m ->
                m.getService<WhoService>(Channel.DISPATCH_JSON).echo("x") shouldBe "x"
            }
        }

        test("a bearer token authenticates; the implementation sees the caller; an unknown token is 401 and never echoed") {
            manager { addInterceptor(AuthInterceptor("t-ada")) }.use { m ->
                m.getService<WhoService>(Channel.DISPATCH_JSON).me() shouldBe "ada/bearer"
                m.getService<WhoService>(Channel.DISPATCH_MSGPACK).me() shouldBe "ada/bearer"
                m.getService<PeopleService>(Channel.REST).search("a", 1) shouldBe emptyList()
            }
            send("/_dispatch/who/me", "[]", mapOf("Authorization" to "Bearer t-guess")).let {
                it.statusCode() shouldBe 401
                it.body() shouldContain "the bearer token is not one this server knows"
                it.body() shouldNotContain "t-guess"
            }
        }

        test("a method that needs a role is 403 for a caller without it, and runs for one with it") {
            manager { addInterceptor(AuthInterceptor("t-ada")) }.use { m ->
                val e = shouldThrow<RemoteServiceException> { m.getService<PeopleService>(Channel.DISPATCH_JSON).remove(1) }
                e.status shouldBe 403
                e.remoteMessage shouldBe "ada may not call people.remove: it needs role 'admin'"
            }
            manager { addInterceptor(AuthInterceptor("t-root")) }.use { m ->
                m.getService<PeopleService>(Channel.DISPATCH_JSON).remove(1) shouldBe Unit
            }
        }

        test("an anonymous method needs no credentials; /health is open but shows its checks only to a known caller") {
            manager().use { m -> m.getService<PeopleService>(Channel.DISPATCH_JSON).instance() shouldBe "auth" }
            send("/health").let {
                it.statusCode() shouldBe 200
                it.body() shouldBe "{\"status\":\"UP\"}"
            }
            send("/health", headers = mapOf("Authorization" to "Bearer t-ada")).body() shouldContain "\"database\""
        }

        test("requests signed from YAML configuration authenticate as the key's identity") {
            val config =
                ConfigLoader(mapOf("SIGNING_SECRET" to ORDERS_SECRET)).parse(
                    """
                    service-caller:
                      interceptors:
                        signing:
                          key-id: orders
                          secret: ${'$'}{SIGNING_SECRET}
                    """.trimIndent(),
                )
            ServiceManager {
                config(config)
                staticInstances("who", server.instances.first { it.serviceName == "who" })
                staticInstances("people", server.instances.first { it.serviceName == "people" })
            }.use { m ->
                m.getService<WhoService>(Channel.DISPATCH_JSON).me() shouldBe "orders/hmac"
                m.getService<WhoService>(Channel.DISPATCH_JSON).echo("signed body") shouldBe "signed body"
                m.getService<WhoService>(Channel.DISPATCH_PROTOBUF).echo("binary body") shouldBe "binary body"
                m.getService<PeopleService>(Channel.REST).search("a", 2) shouldBe emptyList()
            }
            config.serviceCaller.interceptors.signing
                .toString() shouldNotContain ORDERS_SECRET
        }

        test("each service may carry its own credentials, from YAML or the builder, in place of the manager's") {
            val config =
                ConfigLoader(mapOf("SIGNING_SECRET" to ORDERS_SECRET)).parse(
                    """
                    service-caller:
                      interceptors:
                        auth:
                          token: t-ada
                      services:
                        who:
                          interceptors:
                            signing:
                              key-id: orders
                              secret: ${'$'}{SIGNING_SECRET}
                    """.trimIndent(),
                )
            manager { config(config) }.use { m ->
                m.getService<WhoService>(Channel.DISPATCH_JSON).me() shouldBe "orders/hmac"
                m.getService<PeopleService>(Channel.REST).search("a", 2) shouldBe emptyList()
            }
            // a service's own interceptor of a name runs for its calls in place of the manager's of that name
            val managerWide =
                java.util.concurrent.atomic
                    .AtomicInteger()
            val whoOwn =
                java.util.concurrent.atomic
                    .AtomicInteger()

            fun audit(count: java.util.concurrent.atomic.AtomicInteger) =
                object : io.switchboard.spi.Interceptor {
                    override val name = "audit"

                    override suspend fun beforeRequest(context: io.switchboard.RequestContext) {
                        count.incrementAndGet()
                    }
                }
            manager {
                addInterceptor(AuthInterceptor("t-ada"))
                addInterceptor(audit(managerWide))
                service("who") {
                    addInterceptor(AuthInterceptor("t-root"))
                    addInterceptor(audit(whoOwn))
                }
            }.use { m ->
                m.getService<WhoService>(Channel.DISPATCH_JSON).me() shouldBe "root/bearer"
                (managerWide.get() to whoOwn.get()) shouldBe (0 to 1)
                m.getService<PeopleService>(Channel.REST).search("a", 2) shouldBe emptyList()
                (managerWide.get() to whoOwn.get()) shouldBe (1 to 1)
            }
        }

        test("a replayed, stale, tampered or wrongly keyed signed request is 401, saying which") {
            fun signed(
                body: String,
                timestamp: Long = System.currentTimeMillis(),
                nonce: String =
                    java.util.UUID
                        .randomUUID()
                        .toString(),
                secret: String = ORDERS_SECRET,
                sentBody: String = body,
                host: String = "127.0.0.1:${server.port}",
            ): HttpResponse<String> {
                val sha = RequestSignature.sha256Hex(body.toByteArray())
                val signature =
                    RequestSignature.sign(
                        secret.toByteArray(),
                        RequestSignature.canonical("POST", host, "/_dispatch/who/echo", timestamp, nonce, sha),
                    )
                return send(
                    "/_dispatch/who/echo",
                    sentBody,
                    mapOf(
                        RequestSignature.KEY_ID to "orders",
                        RequestSignature.TIMESTAMP to timestamp.toString(),
                        RequestSignature.NONCE to nonce,
                        RequestSignature.CONTENT_SHA256 to sha,
                        RequestSignature.SIGNATURE to signature,
                    ),
                )
            }
            val nonce =
                java.util.UUID
                    .randomUUID()
                    .toString()
            signed("[\"once\"]", nonce = nonce).let {
                it.statusCode() shouldBe 200
                it.body() shouldBe "\"once\""
            }
            signed("[\"once\"]", nonce = nonce).let {
                it.statusCode() shouldBe 401
                it.body() shouldContain "the request was replayed"
            }
            signed("[\"old\"]", timestamp = System.currentTimeMillis() - 600_000).body() shouldContain "outside the 300 s window"
            signed("[\"x\"]", secret = "another-secret-0123456789abcdef01234567").body() shouldContain "the signature does not match"
            // signed for another instance and replayed to this one: the host is part of what is signed
            signed("[\"y\"]", host = "10.9.9.9:8080").body() shouldContain "the signature does not match"
            signed("[\"pay 10\"]", sentBody = "[\"pay 10000\"]").let {
                it.statusCode() shouldBe 401
                it.body() shouldContain "the body is not the one that was signed"
            }
        }
    })
