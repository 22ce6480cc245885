package io.switchboard.nacos

import io.switchboard.ServiceInstance
import io.switchboard.registry.nacos.NacosConfig
import io.switchboard.registry.nacos.NacosRegistry
import kotlinx.coroutines.runBlocking

/** A separate process that registers one ephemeral instance and waits to be killed. Args: server-addr, service, port. */
object RegisterAndWait {
    @JvmStatic
    fun main(args: Array<String>) {
        val registry = NacosRegistry(NacosConfig(args[0]))
        runBlocking { registry.register(ServiceInstance(args[1], "127.0.0.1", args[2].toInt())) }
        println("REGISTERED")
        System.out.flush()
        Thread.sleep(Long.MAX_VALUE)
    }
}
