package io.switchboard.readme

// README:begin kotlin-zookeeper
import io.switchboard.ServiceInstance
import io.switchboard.ServiceManager
import io.switchboard.registry.zookeeper.ZooKeeperConfig
import io.switchboard.registry.zookeeper.ZooKeeperRegistry

suspend fun zooKeeperManager(connectString: String): ServiceManager {
    val zookeeper = ZooKeeperRegistry(ZooKeeperConfig(connectString))
    return ServiceManager {
        discovery(zookeeper)
        registerSelf(zookeeper, ServiceInstance("my-app", "127.0.0.1", 8080))
    }.start() // writes /services/my-app/127.0.0.1:8080; stop() removes it
}
// README:end
