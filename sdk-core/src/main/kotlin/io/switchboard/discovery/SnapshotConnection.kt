package io.switchboard.discovery

import io.switchboard.ConfigurationException
import io.switchboard.config.ConfigSection
import io.switchboard.spi.RegistryConnection
import io.switchboard.spi.RegistryProvider
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import kotlinx.coroutines.delay
import kotlinx.coroutines.isActive
import kotlinx.coroutines.launch
import kotlinx.coroutines.runInterruptible
import org.slf4j.LoggerFactory

/**
 * Connects to a configured registry with an instance snapshot behind it.
 *
 * When the registry answers at once, the connection is the registry's own, its discovery backed by the
 * snapshot. When it does not, the manager starts anyway: calls are served from the snapshot, the application's
 * registration waits, and connecting is tried again in the background (1 s, doubling to 30 s) until the registry
 * answers. Bad configuration (a refused password, a wrong key) still fails at once.
 */
internal object SnapshotConnection {
    private val log = LoggerFactory.getLogger(SnapshotConnection::class.java)
    private const val FIRST_RETRY_MILLIS = 1_000L
    private const val MAX_RETRY_MILLIS = 30_000L

    fun open(
        provider: RegistryProvider,
        section: ConfigSection,
        snapshot: InstanceSnapshot,
    ): RegistryConnection {
        val description = provider.describe(section)
        val self = provider.selfInstance(section)
        val discovery = SnapshotDiscovery(snapshot, description)
        val first =
            try {
                provider.connect(section)
            } catch (e: ConfigurationException) {
                discovery.close()
                throw e
            } catch (e: Exception) {
                log.warn(
                    "{} is unreachable at start ({}): serving calls from the instance snapshot at {}; connecting again in the background",
                    description,
                    e.message?.lineSequence()?.first() ?: e.toString(),
                    snapshot.path,
                )
                discovery.unreachable(e.message?.lineSequence()?.first() ?: e.toString())
                null
            }
        if (first != null) {
            discovery.connected(first.discovery, initially = true)
            return RegistryConnection(discovery, first.registry, first.self ?: self) {
                discovery.close()
                first.close()
            }
        }
        val registry = DeferredRegistry(description)
        val scope = CoroutineScope(SupervisorJob() + Dispatchers.IO)
        val opened =
            java.util.concurrent.atomic
                .AtomicReference<RegistryConnection?>()
        scope.launch {
            var wait = FIRST_RETRY_MILLIS
            while (true) {
                delay(wait)
                val connection =
                    try {
                        runInterruptible { provider.connect(section) }
                    } catch (e: Exception) {
                        val reason = e.message?.lineSequence()?.first() ?: e.toString()
                        discovery.unreachable(reason)
                        log.debug("{} still unreachable: {}", description, reason)
                        wait = minOf(wait * 2, MAX_RETRY_MILLIS)
                        continue
                    }
                if (!isActive) {
                    connection.close()
                    break
                }
                opened.set(connection)
                discovery.connected(connection.discovery, initially = false)
                registry.connected(connection.registry)
                break
            }
        }
        return RegistryConnection(discovery, registry, self) {
            scope.cancel()
            discovery.close()
            opened.get()?.close()
        }
    }
}
