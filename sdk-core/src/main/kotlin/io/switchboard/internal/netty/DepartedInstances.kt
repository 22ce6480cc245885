package io.switchboard.internal.netty

import io.switchboard.ServiceInstance
import io.switchboard.spi.InstanceListener
import io.switchboard.spi.ServiceDiscovery
import org.slf4j.LoggerFactory
import java.util.concurrent.ConcurrentHashMap

/**
 * Closes the connections to instances that left: it follows, through [ServiceDiscovery.subscribe], each
 * service the manager has called, and when an address drops out of a service's list and out of every
 * other followed service's (one server may host several services), [NettyClient.evict] closes its idle
 * channels at once and its busy ones as their exchanges end. Without it they would linger until the
 * keep-alive time, holding a socket on both sides, and a restarted instance on the same address
 * would first be reached over a dead connection.
 */
internal class DepartedInstances(
    private val discovery: ServiceDiscovery,
    private val client: NettyClient,
) : AutoCloseable {
    private val followed = ConcurrentHashMap<String, Follow>()

    @Volatile
    private var closed = false

    /** Follows [serviceName] from now on, starting from [current], its list as the call that asked saw it. */
    fun follow(
        serviceName: String,
        current: List<ServiceInstance>,
    ) {
        if (closed || followed.containsKey(serviceName)) return
        val follow = Follow(addressesOf(current))
        if (followed.putIfAbsent(serviceName, follow) != null) return
        follow.handle =
            try {
                discovery.subscribe(serviceName, follow)
            } catch (e: Exception) {
                log.debug(
                    "Cannot follow the instances of {} ({}): idle connections to departed ones close after the keep-alive",
                    serviceName,
                    e.toString(),
                )
                null
            }
        if (closed) follow.handle?.close()
    }

    /** Services followed, for tests. */
    val followedServices: Set<String> get() = followed.keys

    private fun departed(
        follow: Follow,
        instances: List<ServiceInstance>,
    ) {
        val now = addressesOf(instances)
        val gone: Set<Address>
        synchronized(follow) {
            gone = follow.addresses - now
            follow.addresses = now
        }
        for (address in gone) {
            if (followed.values.none { address in it.addresses }) {
                log.debug("{} left every followed service: closing its connections", address)
                client.evict(address)
            }
        }
    }

    override fun close() {
        closed = true
        followed.values.forEach { runCatching { it.handle?.close() } }
        followed.clear()
    }

    private inner class Follow(
        @Volatile var addresses: Set<Address>,
    ) : InstanceListener {
        @Volatile
        var handle: AutoCloseable? = null

        override fun onChange(
            serviceName: String,
            instances: List<ServiceInstance>,
        ) {
            if (!closed) departed(this, instances)
        }
    }

    private companion object {
        private val log = LoggerFactory.getLogger(DepartedInstances::class.java)

        fun addressesOf(instances: List<ServiceInstance>): Set<Address> =
            instances.mapTo(HashSet()) { Address(it.host, it.port, it.secure) }
    }
}
