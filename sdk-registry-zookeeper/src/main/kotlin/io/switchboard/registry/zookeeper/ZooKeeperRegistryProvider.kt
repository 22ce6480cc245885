package io.switchboard.registry.zookeeper

import io.switchboard.ConfigurationException
import io.switchboard.ServiceInstance
import io.switchboard.config.ConfigSection
import io.switchboard.spi.RegistryConnection
import io.switchboard.spi.RegistryProvider
import java.net.InetAddress

/**
 * Connects managers configured with `app-registry.zookeeper` to ZooKeeper; found through `ServiceLoader`.
 * When `app-name` is set, the application registers itself as that service at `ip` (the host's address
 * when absent) and `port`.
 */
public class ZooKeeperRegistryProvider : RegistryProvider {
    override val name: String get() = "zookeeper"

    override fun validate(section: ConfigSection) {
        ZooKeeperConfig.from(section)
    }

    override fun selfInstance(section: ConfigSection): ServiceInstance? {
        val config = ZooKeeperConfig.from(section)
        val name = config.appName ?: return null
        val port =
            config.port
                ?: throw ConfigurationException(
                    "app-registry.zookeeper.port: missing (expected: the port this application serves on, to register it as $name)",
                )
        val host = config.ip ?: InetAddress.getLocalHost().hostAddress
        return ServiceInstance(
            serviceName = name,
            host = host,
            port = port,
            instanceId = config.instanceId ?: "$host:$port",
            secure = config.secure,
            weight = config.weight,
            metadata = config.metadata,
        )
    }

    override fun describe(section: ConfigSection): String = ZooKeeperRegistry.describe(ZooKeeperConfig.from(section))

    override fun connect(section: ConfigSection): RegistryConnection {
        val self = selfInstance(section)
        val registry = ZooKeeperRegistry(ZooKeeperConfig.from(section))
        return RegistryConnection(registry, registry, self, registry)
    }
}
