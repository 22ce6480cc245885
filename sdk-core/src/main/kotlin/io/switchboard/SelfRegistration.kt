package io.switchboard

import io.switchboard.spi.ServiceRegistry
import kotlinx.coroutines.NonCancellable
import kotlinx.coroutines.TimeoutCancellationException
import kotlinx.coroutines.sync.Mutex
import kotlinx.coroutines.sync.withLock
import kotlinx.coroutines.withContext
import kotlinx.coroutines.withTimeout
import org.slf4j.LoggerFactory
import java.time.Duration

/** The application's own registration by a manager: at most once at a time, every registry call bounded by [timeout]. */
internal class SelfRegistration(
    private val target: Pair<ServiceRegistry, ServiceInstance>?,
    private val timeout: Duration,
) {
    private val lock = Mutex()

    @Volatile
    var isRegistered: Boolean = false
        private set

    /** Whether there is anything to register. */
    val hasTarget: Boolean get() = target != null

    /** Whether [register] was ever called. */
    @Volatile
    var everStarted: Boolean = false
        private set

    suspend fun register() {
        val (registry, self) = target ?: return
        everStarted = true
        lock.withLock {
            if (isRegistered) return
            bounded("registering $self") { registry.register(self) }
            isRegistered = true
        }
    }

    /** Deregisters if registered, even when the caller is cancelled meanwhile (bounded); a failure is logged, never thrown. */
    suspend fun deregister() {
        val (registry, self) = target ?: return
        withContext(NonCancellable) {
            lock.withLock {
                if (!isRegistered) return@withLock
                try {
                    bounded("deregistering $self") { registry.deregister(self) }
                    isRegistered = false
                } catch (e: Exception) {
                    log.warn("Could not deregister {}: {}", self, e.toString())
                }
            }
        }
    }

    private suspend fun bounded(
        what: String,
        block: suspend () -> Unit,
    ) {
        try {
            withTimeout(timeout.toMillis()) { block() }
        } catch (e: TimeoutCancellationException) {
            throw SwitchboardException("$what took longer than ${timeout.toMillis()} ms (is the registry reachable?)", e)
        }
    }

    private companion object {
        private val log = LoggerFactory.getLogger(SelfRegistration::class.java)
    }
}
