package io.switchboard.e2e

import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldContainExactly
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.switchboard.RequestOptions
import io.switchboard.ServiceManager
import io.switchboard.ServiceTimeoutException
import io.switchboard.TimeoutKind
import io.switchboard.jsonBody
import io.switchboard.test.TestHttpServer
import kotlinx.coroutines.async
import kotlinx.coroutines.coroutineScope
import kotlinx.serialization.json.JsonElement
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.jsonPrimitive
import java.time.Duration
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.seconds

class ServiceManagerTest :
    FunSpec({
        val server = TestHttpServer.start("only")
        val manager =
            ServiceManager {
                staticInstances("greeting", server.instance("greeting"))
            }
        afterSpec {
            manager.close()
            server.close()
        }

        test("get decodes into a serializable class, JSON, text and bytes") {
            manager.get<Hello>("greeting", "/hello") shouldBe Hello("OK", "only")
            val json: JsonElement = manager.get("greeting", "/hello")
            (json as JsonObject)["status"]!!.jsonPrimitive.content shouldBe "OK"
            manager.get<String>("greeting", "/hello") shouldBe """{"status":"OK","server":"only"}"""
            manager.get<ByteArray>("greeting", "/hello").decodeToString() shouldContain "\"OK\""
        }

        test("options carry headers, query parameters and a JSON body") {
            val options =
                RequestOptions {
                    header("X-Trace", "abc")
                    query("page", "2")
                    query("tag", "a", "b c")
                    jsonBody(User(7, "Ada", listOf("x")))
                }
            val echo = manager.post<Echo>("greeting", "/echo", options)
            echo.method shouldBe "POST"
            echo.headers["x-trace"] shouldBe "abc"
            echo.headers["content-type"] shouldContain "application/json"
            echo.query["page"] shouldBe listOf("2")
            echo.query["tag"] shouldContainExactly listOf("a", "b c")
            echo.body shouldBe """{"id":7,"name":"Ada","tags":["x"]}"""
        }

        test("form, bytes and text bodies are sent as such") {
            val form = manager.put<Echo>("greeting", "/echo", RequestOptions { form(mapOf("a" to "1", "b" to "x y")) })
            form.body shouldBe "a=1&b=x+y"
            form.headers["content-type"] shouldContain "application/x-www-form-urlencoded"
            val bytes = manager.patch<Echo>("greeting", "/echo", RequestOptions { bytes(byteArrayOf(104, 105)) })
            bytes.body shouldBe "hi"
            bytes.headers["content-type"] shouldBe "application/octet-stream"
            val text = manager.delete<Echo>("greeting", "/echo", RequestOptions { text("plain words") })
            text.method shouldBe "DELETE"
            text.body shouldBe "plain words"
        }

        test("raw calls hand over status, headers and body of any status") {
            val (status, body) =
                manager.rawGet("greeting", "/status/503") { response ->
                    response.header("content-type") shouldContain "application/json"
                    response.instance.instanceId shouldBe "only"
                    response.status to response.text()
                }
            status shouldBe 503
            body shouldContain "503"
            manager.rawGet("greeting", "/hello") { it.body<Hello>() } shouldBe Hello("OK", "only")
        }

        test("head returns status and headers, options decodes") {
            manager.head("greeting", "/echo").status shouldBe 200
            manager.options<Echo>("greeting", "/echo").method shouldBe "OPTIONS"
        }

        test("a per-call timeout replaces the manager's: a longer one lets a call outlive the manager's") {
            HeldServer().use { held ->
                ServiceManager {
                    staticInstances("held", held.server.instance("held"))
                    requestTimeout(300.milliseconds)
                }.use { m ->
                    coroutineScope {
                        val call = async { m.get<String>("held", "/held", RequestOptions { timeout(10.seconds) }) }
                        held.awaitArrival()
                        // a call started later, held the same way but without its own timeout, hits the manager's
                        val e = shouldThrow<ServiceTimeoutException> { m.get<String>("held", "/held") }
                        e.kind shouldBe TimeoutKind.REQUEST
                        e.timeout shouldBe Duration.ofMillis(300)
                        // so the first call has been waiting longer than the manager's timeout when it gets its answer
                        held.release()
                        call.await() shouldContain "\"held\":true"
                    }
                }
            }
        }

        test("a per-call timeout replaces the manager's: a shorter one fires first") {
            HeldServer().use { held ->
                ServiceManager {
                    staticInstances("held", held.server.instance("held"))
                    requestTimeout(10.seconds)
                }.use { m ->
                    coroutineScope {
                        // held the same way, under the manager's timeout only
                        val control = async { runCatching { m.get<String>("held", "/held") } }
                        held.awaitArrival()
                        val e =
                            shouldThrow<ServiceTimeoutException> {
                                m.get<String>("held", "/held", RequestOptions { timeout(300.milliseconds) })
                            }
                        e.kind shouldBe TimeoutKind.REQUEST
                        e.timeout shouldBe Duration.ofMillis(300)
                        e.message shouldContain "requestTimeout of 300 ms fired calling held"
                        // it fired before the manager's timeout did: the call started earlier is still waiting
                        control.isActive shouldBe true
                        held.release()
                        control.await().getOrThrow() shouldContain "\"held\":true"
                    }
                }
            }
        }
    })
