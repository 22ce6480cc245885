package io.switchboard.registry.nacos

import io.switchboard.ConfigurationException
import io.switchboard.ServiceInstance
import io.switchboard.config.ConfigSection
import io.switchboard.spi.RegistryConnection
import io.switchboard.spi.RegistryProvider
import java.net.InetAddress

/**
 * Connects managers configured with `app-registry.nacos` to Nacos; found through `ServiceLoader`.
 * When `app-name` is set, the application registers itself as that service at `ip` (the host's
 * address when absent) and `port`.
 */
public class NacosRegistryProvider : RegistryProvider {
    override val name: String get() = "nacos"

    override fun validate(section: ConfigSection) {
        NacosConfig.from(section)
    }

    override fun selfInstance(section: ConfigSection): ServiceInstance? {
        val nacos = NacosConfig.from(section)
        val name = nacos.appName ?: return null
        val port =
            nacos.port
                ?: throw ConfigurationException(
                    "app-registry.nacos.port: missing (expected: the port this application serves on, to register it as $name)",
                )
        return ServiceInstance(
            serviceName = name,
            host = nacos.ip ?: InetAddress.getLocalHost().hostAddress,
            port = port,
            weight = nacos.weight,
            cluster = nacos.cluster,
            metadata = nacos.metadata,
        )
    }

    override fun describe(section: ConfigSection): String = NacosRegistry.describe(NacosConfig.from(section))

    override fun connect(section: ConfigSection): RegistryConnection {
        val self = selfInstance(section)
        val registry = NacosRegistry(NacosConfig.from(section))
        return RegistryConnection(registry, registry, self, registry)
    }
}
