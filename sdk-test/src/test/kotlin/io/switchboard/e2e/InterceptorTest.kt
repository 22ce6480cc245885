package io.switchboard.e2e

import ch.qos.logback.classic.Logger
import ch.qos.logback.classic.spi.ILoggingEvent
import ch.qos.logback.core.read.ListAppender
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldContainExactly
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.kotest.matchers.string.shouldNotContain
import io.switchboard.HttpStatusException
import io.switchboard.RequestContext
import io.switchboard.RequestOptions
import io.switchboard.ServiceManager
import io.switchboard.interceptor.AuthInterceptor
import io.switchboard.interceptor.LoggingInterceptor
import io.switchboard.interceptor.MetricsInterceptor
import io.switchboard.spi.Interceptor
import io.switchboard.test.TestHttpServer
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.delay
import org.slf4j.LoggerFactory
import java.util.Collections
import java.util.concurrent.atomic.AtomicInteger

class Recording(
    override val name: String,
    override val order: Int,
    private val log: MutableList<String>,
) : Interceptor {
    override suspend fun beforeRequest(context: RequestContext) {
        log += "$name.before"
        context.headers["X-Seen-$name"] = "yes"
    }

    override suspend fun afterResponse(context: RequestContext) {
        log += "$name.after"
    }

    override suspend fun handleException(context: RequestContext) {
        log += "$name.exception"
    }
}

class InterceptorTest :
    FunSpec({
        val server = TestHttpServer.start("icpt")
        afterSpec { server.close() }

        fun manager(vararg interceptors: Interceptor) =
            ServiceManager {
                staticInstances("svc", server.instance("svc"))
                interceptors.forEach { addInterceptor(it) }
            }

        test("interceptors run by ascending order in every phase; headers they set are sent") {
            val log = Collections.synchronizedList(mutableListOf<String>())
            manager(Recording("late", 10, log), Recording("early", -5, log), Recording("middle", 0, log)).use { m ->
                val echo = m.get<Echo>("svc", "/echo")
                echo.headers["x-seen-early"] shouldBe "yes"
                echo.headers["x-seen-late"] shouldBe "yes"
                log shouldContainExactly listOf("early.before", "middle.before", "late.before", "early.after", "middle.after", "late.after")
                log.clear()
                shouldThrow<HttpStatusException> { m.get<String>("svc", "/status/500") }
                log shouldContainExactly
                    listOf("early.before", "middle.before", "late.before", "early.exception", "middle.exception", "late.exception")
            }
        }

        test("a second interceptor with the same name is ignored; remove and clear work") {
            val log = mutableListOf<String>()
            manager(Recording("one", 0, log)).use { m ->
                m.addInterceptor(Recording("one", -1, log)) shouldBe false
                m.interceptors.map { it.order } shouldBe listOf(0)
                m.addInterceptor(Recording("two", 1, log)) shouldBe true
                m.removeInterceptor("one") shouldBe true
                m.removeInterceptor("one") shouldBe false
                m.get<String>("svc", "/hello")
                log shouldBe listOf("two.before", "two.after")
                m.clearInterceptors()
                m.interceptors shouldBe emptyList()
            }
        }

        test("adding and removing interceptors while 100 calls run disturbs none of them") {
            val started = AtomicInteger()
            val slow =
                object : Interceptor {
                    override val name = "slow"

                    override suspend fun beforeRequest(context: RequestContext) {
                        started.incrementAndGet()
                        delay(50)
                    }
                }
            manager(slow).use { m ->
                coroutineScope {
                    val calls = (1..100).map { async { m.get<Delayed>("svc", "/delay/20") } }
                    repeat(200) { i ->
                        m.addInterceptor(Recording("churn-$i", i, Collections.synchronizedList(mutableListOf())))
                        if (i % 2 == 0) m.removeInterceptor("churn-$i")
                        if (i == 100) m.removeInterceptor("slow")
                        delay(1)
                    }
                    calls.awaitAll().size shouldBe 100
                }
                started.get() shouldBe 100
                m.interceptors.size shouldBe 100
            }
        }

        test("the auth interceptor sends the token, a rotating one fresh on each call") {
            manager(AuthInterceptor("s3cr3t")).use { m ->
                m.get<Echo>("svc", "/echo").headers["authorization"] shouldBe "Bearer s3cr3t"
            }
            val counter = AtomicInteger()
            ServiceManager {
                staticInstances("svc", server.instance("svc"))
                addInterceptor(AuthInterceptor("X-Api-Token", "") { "token-${counter.incrementAndGet()}" })
            }.use { m ->
                m.get<Echo>("svc", "/echo").headers["x-api-token"] shouldBe "token-1"
                m.get<Echo>("svc", "/echo").headers["x-api-token"] shouldBe "token-2"
            }
        }

        test("the logging interceptor logs request, response and failure, and masks secrets") {
            val appender = ListAppender<ILoggingEvent>().apply { start() }
            val logger = LoggerFactory.getLogger("test.calls") as Logger
            logger.addAppender(appender)
            manager(LoggingInterceptor(logger = logger), AuthInterceptor("s3cr3t")).use { m ->
                m.get<String>(
                    "svc",
                    "/echo",
                    RequestOptions {
                        header("Cookie", "session=abc")
                        header("X-Visible", "shown")
                        query("password", "hunter2")
                        query("page", "3")
                    },
                )
                shouldThrow<HttpStatusException> { m.get<String>("svc", "/status/404") }
                val withSecret = shouldThrow<HttpStatusException> { m.get<String>("svc", "/status/500?api_key=hunter2&page=1") }
                withSecret.message shouldContain "/status/500?api_key=***&page=1"
                withSecret.message shouldNotContain "hunter2"
            }
            val lines = appender.list.map { it.formattedMessage }
            lines.size shouldBe 6
            lines[4] shouldContain "/status/500?api_key=***&page=1"
            lines[0] shouldContain "→ GET svc/echo"
            lines[0] shouldContain "X-Visible=shown"
            lines[0] shouldContain "page=[3]"
            lines[1] shouldContain "← GET svc/echo from 127.0.0.1:${server.port} status=200"
            lines[3] shouldContain "✗ GET svc/status/404 failed"
            lines[3] shouldContain "404"
            lines.forEach {
                it shouldNotContain "s3cr3t"
                it shouldNotContain "hunter2"
                it shouldNotContain "session=abc"
            }
        }

        test("the metrics interceptor counts and times calls per service, method and status") {
            val metrics = MetricsInterceptor()
            manager(metrics).use { m ->
                repeat(3) { m.get<String>("svc", "/hello") }
                m.post<String>("svc", "/echo")
                repeat(2) { runCatching { m.get<String>("svc", "/status/503") } }
            }
            val byKey = metrics.snapshot().associateBy { "${it.method} ${it.outcome}" }
            byKey["GET 200"]!!.count shouldBe 3
            byKey["POST 200"]!!.count shouldBe 1
            byKey["GET 503"]!!.count shouldBe 2
            (byKey["GET 200"]!!.maxTime >= byKey["GET 200"]!!.meanTime) shouldBe true
            byKey["GET 200"]!!.serviceName shouldBe "svc"
        }
    })
