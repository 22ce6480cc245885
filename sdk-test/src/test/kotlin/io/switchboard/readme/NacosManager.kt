package io.switchboard.readme

// README:begin kotlin-nacos
import io.switchboard.ServiceInstance
import io.switchboard.ServiceManager
import io.switchboard.registry.nacos.NacosConfig
import io.switchboard.registry.nacos.NacosRegistry

suspend fun nacosManager(serverAddr: String): ServiceManager {
    val nacos = NacosRegistry(NacosConfig(serverAddr, namespace = "dev"))
    return ServiceManager {
        discovery(nacos)
        registerSelf(nacos, ServiceInstance("my-app", "127.0.0.1", 8080))
    }.start() // registers my-app; stop() deregisters it
}
// README:end
