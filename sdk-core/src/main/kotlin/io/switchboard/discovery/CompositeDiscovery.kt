package io.switchboard.discovery

import io.switchboard.ServiceInstance
import io.switchboard.spi.InstanceListener
import io.switchboard.spi.ServiceDiscovery

/**
 * Asks each discovery in turn and answers with the first non-empty instance list.
 *
 * A manager uses it when it has both static instance lists and a registry: the static lists win for
 * the services they name.
 */
public class CompositeDiscovery(
    private val delegates: List<ServiceDiscovery>,
) : ServiceDiscovery {
    init {
        require(delegates.isNotEmpty()) { "delegates: empty (expected: at least one discovery)" }
    }

    override val description: String get() = delegates.joinToString(" + ") { it.description }

    override suspend fun instances(serviceName: String): List<ServiceInstance> {
        for (delegate in delegates) {
            val found = delegate.instances(serviceName)
            if (found.isNotEmpty()) return found
        }
        return emptyList()
    }

    override fun subscribe(
        serviceName: String,
        listener: InstanceListener,
    ): AutoCloseable {
        val handles = delegates.map { it.subscribe(serviceName, listener) }
        return AutoCloseable { handles.forEach(AutoCloseable::close) }
    }

    override fun knownServices(): Set<String> = delegates.flatMapTo(LinkedHashSet()) { it.knownServices() }

    override suspend fun listServices(): Set<String> = delegates.flatMapTo(LinkedHashSet()) { it.listServices() }

    override fun close() {
        delegates.forEach(AutoCloseable::close)
    }
}
