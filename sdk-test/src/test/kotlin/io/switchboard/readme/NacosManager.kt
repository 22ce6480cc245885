package io.switchboard.readme

import io.switchboard.ServiceInstance
import io.switchboard.ServiceManager
import io.switchboard.config.NacosConfig
import io.switchboard.registry.nacos.NacosRegistry

// README:begin kotlin-nacos
fun nacosManager(serverAddr: String): ServiceManager {
    val nacos = NacosRegistry(NacosConfig(serverAddr, namespace = "dev"))
    return ServiceManager {
        discovery(nacos)
        registerSelf(nacos, ServiceInstance("my-app", "127.0.0.1", 8080))
    }
}
// README:end
