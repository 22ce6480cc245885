package io.switchboard.client

import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.switchboard.ConfigurationException
import io.switchboard.InvalidRequestException
import io.switchboard.ServiceTimeoutException
import io.switchboard.balancer.LoadBalancers
import io.switchboard.e2e.Echo
import io.switchboard.e2e.servers
import io.switchboard.test.TestHttpServer
import kotlinx.serialization.Serializable
import java.time.Duration

@Serializable
data class NewUser(
    val name: String,
    val password: String,
)

class ServiceClientTest :
    FunSpec({
        val (a, b) = servers(2, "client")
        afterSpec { listOf(a, b).forEach(TestHttpServer::close) }

        fun spec(extra: String = "") =
            ClientSpec.parse(
                """
                base-url: ${a.baseUrl}
                headers: { X-Level: client, X-Client-Only: c }
                query: { level: client, client-only: c }
                timeout: 5s
                endpoints:
                  get_user_detail:
                    path: /echo/users/{user_id}
                    headers: { X-Level: endpoint, X-Endpoint-Only: e }
                    query: { level: endpoint }
                  create_user:
                    method: post
                    path: /echo/users
                  slow:
                    path: /delay/{millis}
                    timeout: 100ms
                $extra
                """.trimIndent(),
                "users.yaml",
            )

        test("path placeholders are filled and a payload is sent") {
            ServiceClient(spec()).use { client ->
                val detail = client.call("get_user_detail", Params { path("user_id", "42 x") })
                detail.status shouldBe 200
                detail.data<Echo>().path shouldBe "/echo/users/42%20x"
                val created = client.callFor<Echo>("create_user", Params { payload(NewUser("ada", "pw")) })
                created.method shouldBe "POST"
                created.body shouldBe """{"name":"ada","password":"pw"}"""
            }
        }

        test("headers, query parameters and timeout merge at three levels and the call wins") {
            ServiceClient(spec()).use { client ->
                val endpointLevel = client.callFor<Echo>("get_user_detail", Params { path("user_id", 1) })
                endpointLevel.headers["x-level"] shouldBe "endpoint"
                endpointLevel.headers["x-client-only"] shouldBe "c"
                endpointLevel.headers["x-endpoint-only"] shouldBe "e"
                endpointLevel.query["level"] shouldBe listOf("endpoint")
                endpointLevel.query["client-only"] shouldBe listOf("c")
                val callLevel =
                    client.callFor<Echo>(
                        "get_user_detail",
                        Params {
                            path("user_id", 1)
                            header("X-Level", "call")
                            query("level", "call")
                        },
                    )
                callLevel.headers["x-level"] shouldBe "call"
                callLevel.query["level"] shouldBe listOf("call")
                client.callFor<Echo>("create_user").headers["x-level"] shouldBe "client"

                val e = shouldThrow<ServiceTimeoutException> { client.call("slow", Params { path("millis", 1000) }) }
                e.timeout shouldBe Duration.ofMillis(100)
                client.call("slow", Params { path("millis", 300).timeout(Duration.ofSeconds(3)) }).status shouldBe 200
            }
        }

        test("a missing path parameter or an unknown endpoint fails before any request") {
            ServiceClient(spec()).use { client ->
                val before = a.requestCount
                shouldThrow<InvalidRequestException> { client.call("get_user_detail") }.message shouldBe
                    "endpoint get_user_detail: path parameter 'user_id' of /echo/users/{user_id} has no value (expected: Params.path(\"user_id\", …))"
                shouldThrow<InvalidRequestException> { client.call("get_users") }.message shouldBe
                    "endpoint 'get_users' is not in the client spec (known endpoints: get_user_detail, create_user, slow)"
                a.requestCount shouldBe before
            }
        }

        test("a spec naming a service goes through discovery and load balancing") {
            val spec = ClientSpec.parse("service: users\nendpoints:\n  hello:\n    path: /hello")
            ServiceClient(spec) {
                manager { it.staticInstances("users", a.instance("users"), b.instance("users")).loadBalancer(LoadBalancers.ROUND_ROBIN) }
            }.use { client ->
                List(4) { client.callFor<io.switchboard.e2e.Hello>("hello").server }.toSet() shouldBe setOf("client-0", "client-1")
            }
        }

        test("a bad spec names the endpoint and the field") {
            shouldThrow<ConfigurationException> {
                ClientSpec.parse("base-url: http://h\nendpoints:\n  create_user:\n    method: post", "users.yaml")
            }.message shouldBe "users.yaml:4:5: endpoints.create_user: no path (expected: path: /users/{id})"
            shouldThrow<ConfigurationException> {
                ClientSpec.parse("base-url: http://h\nendpoints:\n  create_user:\n    method: send\n    path: /u", "users.yaml")
            }.message shouldContain "endpoints.create_user.method: 'send' (expected: one of get, post, put, delete, patch, head, options)"
            shouldThrow<ConfigurationException> {
                ClientSpec.parse("base-url: http://h\nendpoints:\n  x:\n    path: /u\n    tiemout: 2s", "users.yaml")
            }.message shouldContain "endpoints.x.tiemout is not a known key (did you mean 'timeout'?)"
            shouldThrow<ConfigurationException> {
                ClientSpec.parse("base-url: http://h\nservice: s\nendpoints:\n  x:\n    path: /u")
            }.message shouldContain "set exactly one of base-url and service"
        }

        test("a JSON spec loads as well") {
            val spec = ClientSpec.parse("""{"base-url": "${a.baseUrl}", "endpoints": {"hello": {"path": "/hello", "method": "get"}}}""")
            ServiceClient(spec).use { it.call("hello").status shouldBe 200 }
        }

        test("close hooks run and closeable plugins are closed") {
            val events = mutableListOf<String>()
            val client =
                ServiceClient(spec()) {
                    onClose { events += "builder hook" }
                }
            client.onClose { events += "late hook" }
            client.close()
            events shouldBe listOf("builder hook", "late hook")
        }
    })
