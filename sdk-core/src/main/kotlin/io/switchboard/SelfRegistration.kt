package io.switchboard

import io.switchboard.spi.ServiceRegistry
import kotlinx.coroutines.TimeoutCancellationException
import kotlinx.coroutines.sync.Mutex
import kotlinx.coroutines.sync.withLock
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

    suspend fun register() {
        val (registry, self) = target ?: return
        lock.withLock {
            if (isRegistered) return
            bounded("registering $self") { registry.register(self) }
            isRegistered = true
        }
    }

    /** Deregisters if registered; a failure is logged, never thrown. */
    suspend fun deregister() {
        val (registry, self) = target ?: return
        lock.withLock {
            if (!isRegistered) return
            try {
                bounded("deregistering $self") { registry.deregister(self) }
            } catch (e: Exception) {
                log.warn("Could not deregister {}: {}", self, e.toString())
            }
            isRegistered = false
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
