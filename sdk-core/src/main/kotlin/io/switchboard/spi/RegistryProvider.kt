package io.switchboard.spi

import io.switchboard.ServiceInstance
import io.switchboard.config.AppRegistryConfig

/**
 * Connects a manager to the registry an `app-registry` configuration section describes. Adapters
 * (such as sdk-registry's Nacos adapter) provide one through `java.util.ServiceLoader`
 * (`META-INF/services/io.switchboard.spi.RegistryProvider`).
 */
public interface RegistryProvider {
    /** A connection for [config], or null when this provider does not handle the registry configured there. */
    public fun connect(config: AppRegistryConfig): RegistryConnection?
}

/**
 * A live connection to a registry: where to discover instances, where to register, and the
 * application's own instance to register (if configured). Closing it releases the connection.
 *
 * @property discovery where instances are looked up.
 * @property registry where the application registers itself.
 * @property self the application's own instance, registered on start and deregistered on close; null
 *   when the configuration asks for discovery only.
 */
public class RegistryConnection(
    public val discovery: ServiceDiscovery,
    public val registry: ServiceRegistry,
    public val self: ServiceInstance?,
    private val onClose: AutoCloseable,
) : AutoCloseable {
    override fun close() {
        onClose.close()
    }
}
