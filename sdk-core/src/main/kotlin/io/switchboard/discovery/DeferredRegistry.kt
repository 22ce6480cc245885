package io.switchboard.discovery

import io.switchboard.ServiceInstance
import io.switchboard.spi.ServiceRegistry
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.sync.Mutex
import kotlinx.coroutines.sync.withLock
import org.slf4j.LoggerFactory

/**
 * The registry of a manager that started while its registry was unreachable: registrations made meanwhile are
 * kept and made when the registry answers ([connected]); from then on every call goes straight to it. One lock
 * covers the calls and the replay, so a deregistration never overtakes the registration it undoes.
 */
internal class DeferredRegistry(
    private val registry: String,
) : ServiceRegistry {
    private val lock = Mutex()
    private val pending = LinkedHashMap<String, ServiceInstance>()
    private var live: ServiceRegistry? = null

    override suspend fun register(instance: ServiceInstance) {
        lock.withLock {
            val target = live
            if (target != null) return target.register(instance)
            pending[key(instance)] = instance
        }
        log.warn("{} is unreachable: {} is registered as soon as it answers", registry, instance)
    }

    override suspend fun deregister(instance: ServiceInstance) {
        lock.withLock {
            val target = live
            if (target != null) return target.deregister(instance)
            pending.remove(key(instance))
        }
    }

    /** The registry answers: makes the registrations kept meanwhile, then hands every call to [registry]. */
    suspend fun connected(registry: ServiceRegistry) {
        lock.withLock {
            for (instance in pending.values) {
                try {
                    registry.register(instance)
                    log.info("Registered {} in {}, now that it answers", instance, this.registry)
                } catch (e: CancellationException) {
                    throw e
                } catch (e: Exception) {
                    log.error("Could not register {} in {} once it answered: {}", instance, this.registry, e.toString())
                }
            }
            pending.clear()
            live = registry
        }
    }

    private fun key(instance: ServiceInstance): String = "${instance.serviceName}/${instance.instanceId}"

    private companion object {
        private val log = LoggerFactory.getLogger(DeferredRegistry::class.java)
    }
}
