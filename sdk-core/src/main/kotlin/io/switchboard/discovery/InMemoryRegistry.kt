package io.switchboard.discovery

import io.switchboard.ServiceInstance
import io.switchboard.spi.InstanceListener
import io.switchboard.spi.ServiceDiscovery
import io.switchboard.spi.ServiceRegistry
import org.slf4j.LoggerFactory
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.CopyOnWriteArrayList

/**
 * The embedded default registry: in-process registration, deregistration and change notification.
 *
 * It needs no server. Several managers (and servers hosted in the same JVM) can share one instance.
 * It is both a [ServiceDiscovery] and a [ServiceRegistry]; the non-suspending [add] and [remove] do the
 * same as [register] and [deregister] for Java callers and plain code.
 */
public class InMemoryRegistry :
    ServiceDiscovery,
    ServiceRegistry {
    private val services = ConcurrentHashMap<String, List<ServiceInstance>>()
    private val listeners = ConcurrentHashMap<String, CopyOnWriteArrayList<InstanceListener>>()

    override val description: String get() = "the embedded registry"

    override suspend fun instances(serviceName: String): List<ServiceInstance> = snapshot(serviceName)

    /** The current instances of [serviceName], without suspending. */
    public fun snapshot(serviceName: String): List<ServiceInstance> = services[serviceName] ?: emptyList()

    override suspend fun register(instance: ServiceInstance): Unit = add(instance)

    override suspend fun deregister(instance: ServiceInstance): Unit = remove(instance)

    /** Registers [instance], replacing one with the same instance id, and notifies subscribers. */
    public fun add(instance: ServiceInstance) {
        val updated =
            services.compute(instance.serviceName) { _, old ->
                (old.orEmpty().filterNot { it.instanceId == instance.instanceId } + instance)
            }!!
        notify(instance.serviceName, updated)
    }

    /** Registers each of [instances]. */
    public fun addAll(instances: Collection<ServiceInstance>) {
        instances.forEach(::add)
    }

    /** Deregisters [instance] (by service name and instance id) and notifies subscribers if it was there. */
    public fun remove(instance: ServiceInstance) {
        var changed = false
        val updated =
            services.computeIfPresent(instance.serviceName) { _, old ->
                val kept = old.filterNot { it.instanceId == instance.instanceId }
                changed = kept.size != old.size
                if (changed) kept else old
            }
        if (changed) notify(instance.serviceName, updated.orEmpty())
    }

    /** Replaces every instance of [serviceName] with [instances] and notifies subscribers. */
    public fun replace(
        serviceName: String,
        instances: List<ServiceInstance>,
    ) {
        instances.forEach {
            require(it.serviceName == serviceName) { "instance $it: serviceName '${it.serviceName}' (expected: '$serviceName')" }
        }
        val copy = instances.toList()
        services[serviceName] = copy
        notify(serviceName, copy)
    }

    override fun subscribe(
        serviceName: String,
        listener: InstanceListener,
    ): AutoCloseable {
        val list = listeners.computeIfAbsent(serviceName) { CopyOnWriteArrayList() }
        list.add(listener)
        return AutoCloseable { list.remove(listener) }
    }

    override fun knownServices(): Set<String> = services.keys.toSet()

    private fun notify(
        serviceName: String,
        instances: List<ServiceInstance>,
    ) {
        listeners[serviceName]?.forEach { listener ->
            try {
                listener.onChange(serviceName, instances)
            } catch (e: Exception) {
                log.warn("An instance listener of {} failed: {}", serviceName, e.toString())
            }
        }
    }

    override fun close() {
        listeners.clear()
    }

    private companion object {
        private val log = LoggerFactory.getLogger(InMemoryRegistry::class.java)
    }
}
