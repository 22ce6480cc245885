package io.switchboard.spi

import io.switchboard.ServiceInstance
import io.switchboard.config.ConfigSection

/**
 * A registry adapter's entry point: it reads its own `app-registry.<name>` configuration section and
 * connects. Adapters (sdk-registry's Nacos adapter, say) provide one through `java.util.ServiceLoader`
 * (`META-INF/services/io.switchboard.spi.RegistryProvider`); sdk-core names no registry.
 */
public interface RegistryProvider {
    /** The key of this adapter's section under `app-registry`, such as `nacos`. */
    public val name: String

    /**
     * Connects to the registry [section] describes. Bad settings fail with a
     * [io.switchboard.ConfigurationException] naming the file, line and key ([ConfigSection] does that).
     */
    public fun connect(section: ConfigSection): RegistryConnection

    /**
     * Checks [section] without connecting, when the configuration is loaded, so a bad value fails at load
     * like every other key; the default checks nothing.
     */
    public fun validate(section: ConfigSection) {}

    /**
     * What [section] points at, such as `nacos 10.0.0.5:8848 (namespace 'prod', group G)`, read without
     * connecting: it names the registry in log lines, and an instance snapshot written for another one is
     * refused. The default is [name]; adapters should say which server and namespace.
     */
    public fun describe(section: ConfigSection): String = name

    /**
     * The instance the application registers as, read from [section] without connecting (the same one
     * [connect] puts in [RegistryConnection.self]); null for discovery only. A manager that starts while the
     * registry is unreachable registers it once the registry answers. The default is null.
     */
    public fun selfInstance(section: ConfigSection): ServiceInstance? = null
}

/**
 * A live connection to a registry: where to discover instances, where to register, and the
 * application's own instance to register (if configured). Closing it releases the connection.
 *
 * @property discovery where instances are looked up.
 * @property registry where the application (or a hosting server) registers.
 * @property self the application's own instance, registered by a manager while it runs; null when the
 *   configuration asks for discovery only.
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
