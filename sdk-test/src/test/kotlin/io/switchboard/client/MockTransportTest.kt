package io.switchboard.client

import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.switchboard.RequestOptions
import io.switchboard.ServiceManager
import io.switchboard.e2e.Hello
import io.switchboard.test.MockTransport
import java.net.InetAddress
import java.net.ServerSocket

/** Canned answers with no server anywhere: the base URL points at a port nothing listens on. */
class MockTransportTest :
    FunSpec({
        val closedPort = ServerSocket(0, 1, InetAddress.getLoopbackAddress()).use { it.localPort }

        test("a client spec's mock answers are served without a network, and requests are recorded") {
            val spec =
                ClientSpec.parse(
                    """
                    base-url: http://127.0.0.1:$closedPort
                    endpoints:
                      get_user:
                        path: /users/{id}
                        mock: { json: '{"status":"OK","server":"mock"}' }
                      create_user:
                        method: post
                        path: /users
                        mock: { status: 201, text: created, headers: { Location: /users/9 } }
                    """.trimIndent(),
                )
            val mock = MockTransport().forSpec(spec)
            ServiceClient(spec) { manager { mock.install(it) } }.use { client ->
                client.callFor<Hello>("get_user", Params { path("id", 7) }) shouldBe Hello("OK", "mock")
                val created = client.call("create_user", Params { json(mapOf("name" to "ada")) })
                created.status shouldBe 201
                created.text() shouldBe "created"
                created.header("Location") shouldBe "/users/9"
                client.call("get_user", Params { path("id", 8).query("full", "yes") })
            }
            mock.requests.map { "${it.method} ${it.path}" } shouldBe listOf("GET /users/7", "POST /users", "GET /users/8")
            mock.requests[1].text() shouldBe """{"name":"ada"}"""
            mock.requests[1].header("Content-Type")!! shouldContain "application/json"
            mock.requests[2].query["full"] shouldBe listOf("yes")
        }

        test("a ServiceManager uses mocks defined in code; unmatched requests get a 404 naming them") {
            val mock = MockTransport().onJson("GET", "/hello", """{"status":"OK","server":"canned"}""")
            ServiceManager { mock.install(this, "greeting") }.use { manager ->
                manager.get<Hello>("greeting", "/hello", RequestOptions { header("X-Test", "1") }).server shouldBe "canned"
                manager.rawGet("greeting", "/missing") { it.status to it.text() } shouldBe
                    (404 to """{"error":"no mock answers GET /missing"}""")
            }
            mock.requests.first().header("X-Test") shouldBe "1"
            mock.requests.first().url shouldBe "http://greeting.mock/hello"
        }
    })
