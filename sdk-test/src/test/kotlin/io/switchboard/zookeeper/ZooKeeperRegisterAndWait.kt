package io.switchboard.zookeeper

import io.switchboard.ServiceInstance
import io.switchboard.registry.zookeeper.ZooKeeperConfig
import io.switchboard.registry.zookeeper.ZooKeeperRegistry
import kotlinx.coroutines.runBlocking
import java.time.Duration

/**
 * A separate process that registers one instance in ZooKeeper (a session of `args[3]` ms) and waits to be
 * killed. Args: connect string, service, port, session timeout in ms.
 */
object ZooKeeperRegisterAndWait {
    @JvmStatic
    fun main(args: Array<String>) {
        val registry = ZooKeeperRegistry(ZooKeeperConfig(args[0], sessionTimeout = Duration.ofMillis(args[3].toLong())))
        runBlocking { registry.register(ServiceInstance(args[1], "127.0.0.1", args[2].toInt())) }
        println("REGISTERED")
        System.out.flush()
        Thread.sleep(Long.MAX_VALUE)
    }
}
