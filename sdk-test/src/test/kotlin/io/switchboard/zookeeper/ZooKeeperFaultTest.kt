package io.switchboard.zookeeper

import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.longs.shouldBeLessThan
import io.kotest.matchers.shouldBe
import io.switchboard.ServiceManager
import io.switchboard.balancer.LoadBalancers
import io.switchboard.e2e.Hello
import io.switchboard.e2e.servers
import io.switchboard.nacos.callUntil
import io.switchboard.nacos.pollUntil
import io.switchboard.nacos.startRegisteredChild
import io.switchboard.nacos.uniqueName
import io.switchboard.registry.zookeeper.ZooKeeperConfig
import io.switchboard.registry.zookeeper.ZooKeeperRegistry
import io.switchboard.test.TestHttpServer
import io.switchboard.test.ZooKeeperTestServer
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.coroutineScope
import org.apache.curator.framework.CuratorFrameworkFactory
import org.apache.curator.retry.ExponentialBackoffRetry
import java.time.Duration
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicInteger

/** ZooKeeper's failures, for real: a provider process killed with -9, a session expired in an outage, and ZooKeeper down under load. */
class ZooKeeperFaultTest :
    FunSpec({
        val zk = ZooKeeperTestServer.start()
        val web = servers(3, "zkf")
        afterSpec {
            web.forEach(TestHttpServer::close)
            zk.close()
        }
        val session = Duration.ofSeconds(4)

        fun config() = ZooKeeperConfig(zk.connectString, sessionTimeout = session)

        test("a provider killed with -9 leaves routing once its session ends (the delay is reported)") {
            val service = uniqueName("killed")
            ZooKeeperRegistry(config()).use { registry ->
                registry.register(web[0].instance(service))
                val child =
                    startRegisteredChild(
                        ZooKeeperRegisterAndWait::class.java,
                        zk.connectString,
                        service,
                        web[2].port.toString(),
                        session.toMillis().toString(),
                    )
                try {
                    ServiceManager {
                        discovery(registry)
                        loadBalancer(LoadBalancers.ROUND_ROBIN)
                    }.use { manager ->
                        manager.callUntil(service, timeoutMillis = 15_000) { it == setOf("zkf-0", "zkf-2") }
                        val started = System.nanoTime()
                        child.destroyForcibly()
                        // calls to the dead instance fail over meanwhile; the list drops it when ZooKeeper ends its session
                        manager.callUntil(service, timeoutMillis = 20_000) { it == setOf("zkf-0") }
                        val millis = (System.nanoTime() - started) / 1_000_000
                        println("ZooKeeper killed provider -> routing change: $millis ms (session timeout ${session.toMillis()} ms)")
                        millis shouldBeLessThan session.toMillis() * 3
                    }
                } finally {
                    child.destroyForcibly().waitFor(5, TimeUnit.SECONDS)
                }
            }
        }

        test("a session that expires during an outage is replaced, and the registration is written again under the new one") {
            val service = uniqueName("expiry")
            val short = ZooKeeperConfig(zk.connectString, sessionTimeout = Duration.ofSeconds(2))
            ZooKeeperRegistry(short).use { registrar ->
                registrar.register(web[0].instance(service))
                val node = "/services/$service/${web[0].name}"
                val firstSession = registrar.sessionId
                CuratorFrameworkFactory.newClient(zk.connectString, ExponentialBackoffRetry(100, 3)).use { observer ->
                    observer.start()
                    observer.blockUntilConnected(10, TimeUnit.SECONDS) shouldBe true
                    observer.checkExists().forPath(node).ephemeralOwner shouldBe firstSession
                    zk.stop()
                    try {
                        // Curator ends the session itself once the connection has been gone for the session timeout
                        pollUntil("the registrar drops its session", 20_000) { registrar.sessionId != firstSession }
                    } finally {
                        zk.restart()
                    }
                    pollUntil("the node is written again under the registrar's new session", 30_000) {
                        val owner = runCatching { observer.checkExists().forPath(node)?.ephemeralOwner }.getOrNull()
                        owner != null && owner != firstSession && owner == registrar.sessionId
                    }
                    ZooKeeperRegistry(config()).use { discovery ->
                        ServiceManager { discovery(discovery) }.use { manager ->
                            manager.get<Hello>(service, "/hello").server shouldBe
                                "zkf-0"
                        }
                    }
                }
            }
        }

        test("ZooKeeper down for 30 s under load: no call fails; once it is back, changes are seen again") {
            val service = uniqueName("outage")
            ZooKeeperRegistry(config()).use { registrar ->
                registrar.register(web[0].instance(service))
                registrar.register(web[1].instance(service))
                ZooKeeperRegistry(config()).use { discovery ->
                    ServiceManager {
                        discovery(discovery)
                        loadBalancer(LoadBalancers.ROUND_ROBIN)
                    }.use { manager ->
                        manager.callUntil(service) { it == setOf("zkf-0", "zkf-1") }
                        val calls = AtomicInteger()
                        val failed = AtomicInteger()
                        val end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30)
                        zk.stop()
                        try {
                            coroutineScope {
                                List(8) {
                                    async(Dispatchers.Default) {
                                        while (System.nanoTime() < end) {
                                            calls.incrementAndGet()
                                            runCatching { manager.get<Hello>(service, "/hello") }.onFailure { failed.incrementAndGet() }
                                        }
                                    }
                                }.awaitAll()
                            }
                        } finally {
                            zk.restart()
                        }
                        println("ZooKeeper down 30 s: ${calls.get()} calls, ${failed.get()} failed")
                        failed.get() shouldBe 0
                        // back: the registrations come back (a new session if the old one ended) and changes flow again
                        registrar.register(web[2].instance(service))
                        manager.callUntil(service, timeoutMillis = 30_000) { it == setOf("zkf-0", "zkf-1", "zkf-2") }
                    }
                }
            }
        }
    })
