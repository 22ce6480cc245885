package io.switchboard.spi

import io.switchboard.ServiceInstance

/** Registers and deregisters instances, so that others can discover them. */
public interface ServiceRegistry : AutoCloseable {
    /** Makes [instance] discoverable; registering the same instance id again replaces it. */
    public suspend fun register(instance: ServiceInstance)

    /** Removes [instance] (matched by service name and instance id); unknown instances are ignored. */
    public suspend fun deregister(instance: ServiceInstance)

    /** Releases what the registry holds; the default does nothing. */
    override fun close() {}
}
