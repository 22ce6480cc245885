package io.switchboard.server

import io.ktor.server.application.ApplicationStopPreparing
import io.ktor.server.engine.EmbeddedServer
import org.slf4j.LoggerFactory
import java.time.Duration
import java.util.concurrent.CompletableFuture
import java.util.concurrent.CountDownLatch
import java.util.concurrent.ExecutionException
import java.util.concurrent.TimeUnit
import java.util.concurrent.TimeoutException

private val log = LoggerFactory.getLogger(ServiceServer::class.java)

/**
 * A JVM shutdown hook that stops a [ServiceServer] with its normal stop sequence (deregister, answer 503
 * while the calls in flight finish, stop), waiting for it at most [bound]. [install] once the server runs;
 * [remove] when it was stopped some other way.
 */
internal class ServerShutdownHook(
    name: String,
    private val bound: () -> Duration,
    private val stop: () -> CompletableFuture<*>,
) {
    private val thread = Thread(::run, name)

    /** Registers the hook; false when the JVM is already shutting down. */
    fun install(): Boolean =
        try {
            Runtime.getRuntime().addShutdownHook(thread)
            true
        } catch (_: IllegalStateException) {
            false
        }

    /** Unregisters the hook; nothing happens while the JVM is shutting down (this hook may be what runs). */
    fun remove() {
        try {
            Runtime.getRuntime().removeShutdownHook(thread)
        } catch (_: IllegalStateException) {
            // the JVM is shutting down: hooks can no longer be removed
        }
    }

    private fun run() {
        log.info("The JVM is shutting down: stopping the server gracefully")
        val limit = bound()
        try {
            stop().get(limit.toMillis(), TimeUnit.MILLISECONDS)
        } catch (_: TimeoutException) {
            log.warn("The graceful stop did not finish within {}; the JVM exits anyway", limit)
        } catch (e: ExecutionException) {
            log.warn("The graceful stop failed: {}", e.cause.toString())
        } catch (_: InterruptedException) {
            Thread.currentThread().interrupt()
        }
    }
}

/**
 * Keeps Ktor's own JVM shutdown hook from stopping the engine before the [ServiceServer] has drained.
 *
 * `EmbeddedServer.start` (Ktor 3.5.2, `EmbeddedServerJvm.kt`) registers a hook of its own that calls
 * `stop()`; JVM hooks run concurrently, so without this the listener could close while ours still drains.
 * Ktor offers no per-server switch for that hook (the system property `io.ktor.server.engine.ShutdownHook`
 * is read once per JVM, into a static field, and applies to every server), but `NettyApplicationEngine.stop`
 * raises [ApplicationStopPreparing] on the server's monitor before it closes anything: the handler that
 * [attach] subscribes blocks there, on the stopping thread, until [release] (at most [bound]).
 *
 * It only holds while [armed] (our shutdown hook is installed, or our stop has begun); a stop that is
 * none of ours otherwise goes through at once. Our own stop releases the gate before it stops the engine.
 */
internal class KtorStopGate(
    private val bound: () -> Duration,
) {
    private val released = CountDownLatch(1)

    /** Whether a stop of the engine waits for [release]. */
    @Volatile
    var armed: Boolean = false

    /** Makes [server]'s engine stop wait for [release] while [armed]. */
    fun attach(server: EmbeddedServer<*, *>) {
        server.monitor.subscribe(ApplicationStopPreparing) { hold() }
    }

    /** Lets engine stops go on. */
    fun release() = released.countDown()

    // Runs inside Netty's stop, which does not catch what a handler throws: this never throws.
    private fun hold() {
        if (!armed || released.count == 0L) return
        try {
            log.info("A stop of the engine (Ktor's shutdown hook) waits until the server has drained")
            if (!released.await(bound().toMillis(), TimeUnit.MILLISECONDS)) {
                log.warn("The engine stops before the server drained: it did not within {}", bound())
            }
        } catch (_: InterruptedException) {
            Thread.currentThread().interrupt()
        } catch (e: Throwable) {
            log.warn("Holding the engine stop failed: {}", e.toString())
        }
    }
}
