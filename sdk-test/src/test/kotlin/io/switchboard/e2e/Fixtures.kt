package io.switchboard.e2e

import io.ktor.http.ContentType
import io.ktor.server.response.respondText
import io.ktor.server.routing.get
import io.switchboard.test.TestHttpServer
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.withTimeout
import kotlinx.coroutines.withTimeoutOrNull
import kotlinx.serialization.Serializable
import java.util.concurrent.atomic.AtomicInteger
import kotlin.time.Duration.Companion.seconds

@Serializable
data class Hello(
    val status: String,
    val server: String,
)

@Serializable
data class Echo(
    val method: String,
    val path: String,
    val query: Map<String, List<String>>,
    val headers: Map<String, String>,
    val body: String,
    val server: String,
)

@Serializable
data class Delayed(
    val delayed: Long,
    val server: String,
)

@Serializable
data class User(
    val id: Int,
    val name: String,
    val tags: List<String> = emptyList(),
)

/** Starts [count] servers named `<prefix>-0`, `<prefix>-1`, … */
fun servers(
    count: Int,
    prefix: String = "s",
): List<TestHttpServer> = List(count) { TestHttpServer.start("$prefix-$it") }

/**
 * A server whose `GET /held` answers only when the test calls [release] (or, so that nothing can hang,
 * after [HOLD_LIMIT]), and which reports each arrival: tests wait for these events instead of sleeping.
 */
class HeldServer(
    name: String = "held",
) : AutoCloseable {
    private val arrivals = Channel<Unit>(Channel.UNLIMITED)
    private val gate = CompletableDeferred<Unit>()
    private val answered = AtomicInteger()

    val server: TestHttpServer =
        TestHttpServer.start(name) {
            get("/held") {
                arrivals.send(Unit)
                withTimeoutOrNull(HOLD_LIMIT) { gate.await() }
                answered.incrementAndGet()
                call.respondText("""{"held":true,"server":"$name"}""", ContentType.Application.Json)
            }
        }

    /** How many held calls the server has answered. */
    val answeredCount: Int get() = answered.get()

    /** Waits until one more call has reached the server (failing after 20 s). */
    suspend fun awaitArrival() {
        withTimeout(20.seconds) { arrivals.receive() }
    }

    /** Lets every held call, present and future, be answered. */
    fun release() {
        gate.complete(Unit)
    }

    override fun close() {
        release()
        server.close()
    }

    companion object {
        /** The longest the server holds an answer. */
        val HOLD_LIMIT = 15.seconds
    }
}

/** Keeps the context of every call that ended, successful or not: tests read its attempts. */
class CallRecorder : io.switchboard.spi.Interceptor {
    val calls = java.util.concurrent.ConcurrentLinkedQueue<io.switchboard.RequestContext>()
    override val name: String get() = "call-recorder"

    override suspend fun afterResponse(context: io.switchboard.RequestContext) {
        calls += context
    }

    override suspend fun handleException(context: io.switchboard.RequestContext) {
        calls += context
    }
}
