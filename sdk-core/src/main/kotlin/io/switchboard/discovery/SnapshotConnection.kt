package io.switchboard.discovery

import io.switchboard.ConfigurationException
import io.switchboard.config.ConfigSection
import io.switchboard.spi.RegistryConnection
import io.switchboard.spi.RegistryProvider
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import kotlinx.coroutines.delay
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
        // the connection made in the background, and whether the manager closed meanwhile: one lock, so a connection
        // that arrives after the close is closed, never left open
        val lock = Any()
        var opened: RegistryConnection? = null
        var closed = false
        scope.launch {
            var wait = FIRST_RETRY_MILLIS
            while (true) {
                delay(wait)
                val connection =
                    try {
                        runInterruptible { provider.connect(section) }
                    } catch (e: CancellationException) {
                        throw e
                    } catch (e: Exception) {
                        val reason = e.message?.lineSequence()?.first() ?: e.toString()
                        discovery.unreachable(reason)
                        if (e is ConfigurationException) {
                            // reachable now, but refusing this configuration (credentials, say): loud, and tried again
                            log.error("{} refuses this application's configuration: {}; trying again in {} ms", description, reason, wait)
                        } else {
                            log.debug("{} still unreachable: {}", description, reason)
                        }
                        wait = minOf(wait * 2, MAX_RETRY_MILLIS)
                        continue
                    }
                val keep = synchronized(lock) { if (closed) false else true.also { opened = connection } }
                if (!keep) {
                    connection.close()
                    break
                }
                discovery.connected(connection.discovery, initially = false)
                registry.connected(connection.registry)
                break
            }
        }
        return RegistryConnection(discovery, registry, self) {
            scope.cancel()
            val connection =
                synchronized(lock) {
                    closed = true
                    opened
                }
            discovery.close()
            connection?.close()
        }
    }
}
