package io.switchboard.zookeeper

import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.nulls.shouldNotBeNull
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.switchboard.ServiceInstance
import io.switchboard.ServiceManager
import io.switchboard.balancer.LoadBalancers
import io.switchboard.config.ConfigLoader
import io.switchboard.e2e.Hello
import io.switchboard.e2e.servers
import io.switchboard.nacos.callUntil
import io.switchboard.nacos.uniqueName
import io.switchboard.registry.zookeeper.ZooKeeperConfig
import io.switchboard.registry.zookeeper.ZooKeeperRegistry
import io.switchboard.test.TestHttpServer
import io.switchboard.test.ZooKeeperTestServer
import kotlinx.coroutines.delay
import org.apache.curator.framework.CuratorFramework
import org.apache.curator.framework.CuratorFrameworkFactory
import org.apache.curator.retry.RetryOneTime
import org.apache.curator.x.discovery.ServiceDiscovery
import org.apache.curator.x.discovery.ServiceDiscoveryBuilder
import org.apache.curator.x.discovery.UriSpec
import org.apache.curator.x.discovery.details.JsonInstanceSerializer
import org.springframework.cloud.zookeeper.discovery.ZookeeperInstance
import java.time.Duration
import java.util.UUID
import org.apache.curator.x.discovery.ServiceInstance as CuratorInstance

/**
 * Discovery and registration against a real ZooKeeper started in the test JVM, and interoperation with
 * Spring Cloud Zookeeper: its nodes are written and read here exactly as Spring does (Curator's own
 * serializer with Spring's `ZookeeperInstance` payload class).
 */
class ZooKeeperDiscoveryTest :
    FunSpec({
        val zk = ZooKeeperTestServer.start()
        val web = servers(3, "zk")
        val curator: CuratorFramework =
            CuratorFrameworkFactory.newClient(zk.connectString, RetryOneTime(100)).apply {
                start()
                blockUntilConnected()
            }
        // what Spring Cloud Zookeeper uses to register and discover
        val spring: ServiceDiscovery<ZookeeperInstance> =
            ServiceDiscoveryBuilder
                .builder(ZookeeperInstance::class.java)
                .client(curator)
                .basePath("/services")
                .serializer(JsonInstanceSerializer(ZookeeperInstance::class.java))
                .build()
                .apply { start() }
        afterSpec {
            spring.close()
            curator.close()
            web.forEach(TestHttpServer::close)
            zk.close()
        }

        fun config(emptyPushProtection: Boolean = true) =
            ZooKeeperConfig(zk.connectString, sessionTimeout = Duration.ofSeconds(4), emptyPushProtection = emptyPushProtection)

        fun springInstance(
            service: String,
            server: TestHttpServer,
            status: String = "UP",
        ): CuratorInstance<ZookeeperInstance> =
            CuratorInstance
                .builder<ZookeeperInstance>()
                .name(service)
                .id(UUID.randomUUID().toString())
                .address("127.0.0.1")
                .port(server.port)
                .payload(ZookeeperInstance("application-1", service, mapOf("instance_status" to status)))
                .uriSpec(UriSpec("{scheme}://{address}:{port}"))
                .build()

        test("instances a Spring Cloud Zookeeper service registered are called through Switchboard; OUT_OF_SERVICE is not") {
            val service = uniqueName("spring")
            spring.registerService(springInstance(service, web[0]))
            spring.registerService(springInstance(service, web[1]))
            spring.registerService(springInstance(service, web[2], status = "OUT_OF_SERVICE"))
            ZooKeeperRegistry(config()).use { registry ->
                ServiceManager {
                    discovery(registry)
                    loadBalancer(LoadBalancers.ROUND_ROBIN)
                }.use { manager ->
                    List(30) { manager.get<Hello>(service, "/hello").server }.toSet() shouldBe setOf("zk-0", "zk-1")
                    registry.instances(service).count { !it.healthy } shouldBe 1
                }
            }
        }

        test("an instance registered through Switchboard is read by Spring Cloud's serializer, metadata and weight included") {
            val service = uniqueName("mine")
            ZooKeeperRegistry(config()).use { registry ->
                val instance =
                    ServiceInstance(service, "127.0.0.1", web[2].port, instanceId = "mine-1", weight = 2.0, metadata = mapOf("zone" to "a"))
                registry.register(instance)
                val found = spring.queryForInstances(service).single()
                found.id shouldBe "mine-1"
                found.address shouldBe "127.0.0.1"
                found.port shouldBe web[2].port
                found.payload.shouldNotBeNull().metadata shouldBe mapOf("zone" to "a", "instance_status" to "UP", "weight" to "2.0")
                String(curator.data.forPath("/services/$service/mine-1")) shouldContain
                    "\"@class\":\"org.springframework.cloud.zookeeper.discovery.ZookeeperInstance\""
                // and read back by Switchboard as it was written
                ZooKeeperRegistry(config()).use { reader -> reader.instances(service) shouldBe listOf(instance) }

                registry.deregister(instance)
                spring.queryForInstances(service).size shouldBe 0
            }
        }

        test("the list follows registrations and deregistrations without a call to ZooKeeper on the call path") {
            val service = uniqueName("follow")
            ZooKeeperRegistry(config()).use { registry ->
                ZooKeeperRegistry(config()).use { discovery ->
                    registry.register(web[0].instance(service))
                    ServiceManager { discovery(discovery) }.use { manager ->
                        manager.callUntil(service) { it == setOf("zk-0") }
                        registry.register(web[1].instance(service))
                        manager.callUntil(service) { it == setOf("zk-0", "zk-1") }
                        registry.deregister(web[0].instance(service))
                        manager.callUntil(service) { it == setOf("zk-1") }
                    }
                }
            }
        }

        test("a node that is not an instance does not hide the service's other instances") {
            val service = uniqueName("garbage")
            spring.registerService(springInstance(service, web[0]))
            curator.create().forPath("/services/$service/broken", "not json".toByteArray())
            ZooKeeperRegistry(config()).use { registry ->
                registry.instances(service).map { it.port } shouldBe listOf(web[0].port)
                ServiceManager { discovery(registry) }.use { it.get<Hello>(service, "/hello").server shouldBe "zk-0" }
            }
        }

        test("a change that leaves no instance is held back by default, keeping the last good list; it can be switched off") {
            val service = uniqueName("empty")
            ZooKeeperRegistry(config()).use { registry ->
                registry.register(web[0].instance(service))
                ZooKeeperRegistry(config()).use { protected ->
                    ZooKeeperRegistry(config(emptyPushProtection = false)).use { unprotected ->
                        protected.instances(service).size shouldBe 1
                        unprotected.instances(service).size shouldBe 1
                        registry.deregister(web[0].instance(service))
                        val deadline = System.currentTimeMillis() + 10_000
                        while (unprotected.instances(service).isNotEmpty() && System.currentTimeMillis() < deadline) delay(20)
                        unprotected.instances(service).size shouldBe 0
                        protected.instances(service).single().port shouldBe web[0].port
                    }
                }
            }
        }

        test("a manager configured with app-registry.zookeeper registers itself on start and deregisters on close") {
            val app = uniqueName("my-app")
            val config =
                ConfigLoader(mapOf("ZK" to zk.connectString, "PORT" to web[0].port.toString())).parse(
                    """
                    app-registry:
                      zookeeper:
                        connect-string: ${'$'}{ZK}
                        session-timeout: 4s
                        app-name: $app
                        ip: 127.0.0.1
                        port: ${'$'}{PORT}
                        weight: 3
                        metadata:
                          zone: b
                    """.trimIndent(),
                )
            val manager = config.newServiceManager().start()
            manager.selfInstance.shouldNotBeNull().weight shouldBe 3.0
            val node = spring.queryForInstances(app).single()
            node.payload.metadata["weight"] shouldBe "3.0"
            node.payload.metadata["zone"] shouldBe "b"
            manager.get<Hello>(app, "/hello").server shouldBe "zk-0"
            manager.close()
            spring.queryForInstances(app).size shouldBe 0
        }
    })
