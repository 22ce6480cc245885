package io.switchboard.e2e

import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.nulls.shouldNotBeNull
import io.kotest.matchers.shouldBe
import io.kotest.matchers.types.shouldBeInstanceOf
import io.switchboard.HttpStatusException
import io.switchboard.RequestContext
import io.switchboard.RequestOptions
import io.switchboard.ServiceManager
import io.switchboard.spi.Interceptor
import io.switchboard.test.TestHttpServer
import java.time.Duration

class RequestContextTest :
    FunSpec({
        val server = TestHttpServer.start("ctx")
        afterSpec { server.close() }

        test("every field is populated and the timings are ordered") {
            val seen = mutableListOf<RequestContext>()
            val before = mutableMapOf<String, Any?>()
            val spy =
                object : Interceptor {
                    override val name = "spy"

                    override suspend fun beforeRequest(context: RequestContext) {
                        before["instance"] = context.selectedInstance
                        before["url"] = context.resolvedUrl
                        before["duration"] = context.duration
                        context.attributes["tag"] = "mine"
                    }

                    override suspend fun afterResponse(context: RequestContext) {
                        seen += context
                    }

                    override suspend fun handleException(context: RequestContext) {
                        seen += context
                    }
                }
            ServiceManager {
                staticInstances("svc", server.instance("svc"))
                addInterceptor(spy)
            }.use { m ->
                val options = RequestOptions { query("q", "1") }
                m.get<Delayed>("svc", "/delay/30", options)
                runCatching { m.get<String>("svc", "/status/418") }
            }
            before shouldBe mapOf("instance" to null, "url" to null, "duration" to null)

            val ok = seen[0]
            ok.method shouldBe "GET"
            ok.serviceName shouldBe "svc"
            ok.path shouldBe "/delay/30"
            ok.protocol shouldBe "http"
            ok.options.queryParameters shouldBe mapOf("q" to listOf("1"))
            ok.attributes["tag"] shouldBe "mine"
            ok.resolvedUrl shouldBe "http://127.0.0.1:${server.port}/delay/30?q=1"
            ok.selectedInstance shouldBe server.instance("svc")
            ok.response!!.status shouldBe 200
            ok.exception shouldBe null
            ok.result shouldBe Delayed(30, "ctx")
            val response = ok.responseTime.shouldNotBeNull()
            val end = ok.endTime.shouldNotBeNull()
            (ok.startTime <= response) shouldBe true
            (response <= end) shouldBe true
            ok.duration!! shouldBe Duration.between(ok.startTime, end)
            (ok.duration!! >= Duration.ofMillis(30)) shouldBe true

            val failed = seen[1]
            failed.response!!.status shouldBe 418
            failed.exception.shouldBeInstanceOf<HttpStatusException>().status shouldBe 418
            failed.result shouldBe null
            failed.endTime.shouldNotBeNull()
        }
    })
