package io.switchboard.discovery

import io.switchboard.ServiceInstance
import io.switchboard.spi.ServiceRegistry
import org.slf4j.LoggerFactory

/**
 * The registry of a manager that started while its registry was unreachable: registrations made meanwhile are
 * kept and made when the registry answers ([connected]); from then on every call goes straight to it.
 */
internal class DeferredRegistry(
    private val registry: String,
) : ServiceRegistry {
    private val pending = LinkedHashMap<String, ServiceInstance>()

    @Volatile
    private var live: ServiceRegistry? = null

    override suspend fun register(instance: ServiceInstance) {
        val target =
            synchronized(pending) {
                live ?: run {
                    pending[key(instance)] = instance
                    null
                }
            }
        if (target != null) {
            target.register(instance)
        } else {
            log.warn("{} is unreachable: {} is registered as soon as it answers", registry, instance)
        }
    }

    override suspend fun deregister(instance: ServiceInstance) {
        val target = synchronized(pending) { live ?: null.also { pending.remove(key(instance)) } }
        target?.deregister(instance)
    }

    /** The registry answers: makes the registrations kept meanwhile, then hands every call to [registry]. */
    suspend fun connected(registry: ServiceRegistry) {
        val kept =
            synchronized(pending) {
                live = registry
                pending.values.toList().also { pending.clear() }
            }
        for (instance in kept) {
            try {
                registry.register(instance)
                log.info("Registered {} in {}, now that it answers", instance, this.registry)
            } catch (e: Exception) {
                log.warn("Could not register {} in {} after it came back: {}", instance, this.registry, e.toString())
            }
        }
    }

    private fun key(instance: ServiceInstance): String = "${instance.serviceName}/${instance.instanceId}"

    private companion object {
        private val log = LoggerFactory.getLogger(DeferredRegistry::class.java)
    }
}
