package io.switchboard.zookeeper

import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.nulls.shouldNotBeNull
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.switchboard.NoInstanceAvailableException
import io.switchboard.ServiceInstance
import io.switchboard.ServiceManager
import io.switchboard.SwitchboardException
import io.switchboard.balancer.LoadBalancers
import io.switchboard.config.ConfigLoader
import io.switchboard.config.SwitchboardConfig
import io.switchboard.e2e.Hello
import io.switchboard.e2e.servers
import io.switchboard.nacos.callUntil
import io.switchboard.nacos.pollUntil
import io.switchboard.nacos.uniqueName
import io.switchboard.registry.zookeeper.ZooKeeperConfig
import io.switchboard.registry.zookeeper.ZooKeeperRegistry
import io.switchboard.test.TestHttpServer
import io.switchboard.test.ZooKeeperTestServer
import java.nio.file.Files
import java.nio.file.Path
import java.time.Duration

/**
 * The instance snapshot on disk with a real ZooKeeper: a manager that starts while ZooKeeper is down serves
 * the snapshot's instances, switches to live data when ZooKeeper is back, and registers itself then.
 */
class ZooKeeperSnapshotTest :
    FunSpec({
        val zk = ZooKeeperTestServer.start()
        val web = servers(3, "zks")
        afterSpec {
            web.forEach(TestHttpServer::close)
            zk.close()
        }

        fun yaml(
            snapshot: Path?,
            self: String = "",
        ): SwitchboardConfig =
            ConfigLoader(mapOf("ZK" to zk.connectString)).parse(
                """
                |service-caller:
                |  lb-type: round_robin
                |${if (snapshot != null) "  instance-snapshot:\n    path: $snapshot\n" else ""}
                |app-registry:
                |  zookeeper:
                |    connect-string: ${'$'}{ZK}
                |    session-timeout: 4s
                |    connection-timeout: 1s
                |$self
                """.trimMargin(),
            )

        test("started while ZooKeeper is down, a manager serves the snapshot (stale, aged), then live data once it is back") {
            val service = uniqueName("cold")
            val snapshot = Files.createTempDirectory("zk-snapshot").resolve("instances.json")
            ZooKeeperRegistry(ZooKeeperConfig(zk.connectString, sessionTimeout = Duration.ofSeconds(4))).use { registrar ->
                registrar.register(web[0].instance(service))
                registrar.register(web[1].instance(service))
                // a first run writes the snapshot as it calls
                yaml(snapshot).newServiceManager().use { manager ->
                    manager.callUntil(service) { it == setOf("zks-0", "zks-1") }
                    pollUntil("the snapshot holds both instances") {
                        Files.exists(snapshot) && Files.readString(snapshot).let { "${web[0].port}" in it && "${web[1].port}" in it }
                    }
                }
                zk.stop()
                try {
                    val manager = yaml(snapshot).newServiceManager()
                    manager.use {
                        val snapshots = manager.snapshotDiscovery.shouldNotBeNull()
                        snapshots.isLive shouldBe false
                        manager.callUntil(service) { it == setOf("zks-0", "zks-1") }
                        val status = snapshots.status(service).shouldNotBeNull()
                        status.isStale shouldBe true
                        (status.age > Duration.ZERO) shouldBe true
                        // a service the snapshot does not hold fails clearly, naming the unreachable registry
                        val e = shouldThrow<NoInstanceAvailableException> { manager.get<Hello>("never-called", "/hello") }
                        e.message shouldContain
                            "no instances of service 'never-called': the registry (zookeeper ${zk.connectString} (root /services)) is unreachable"
                        e.message shouldContain "the instance snapshot at $snapshot has none of 'never-called'"

                        zk.restart()
                        pollUntil("the manager is live again") {
                            // calls keep succeeding meanwhile; the first one answered by the registry makes the list live
                            manager.get<Hello>(service, "/hello")
                            snapshots.isLive && snapshots.status(service)?.isStale == false
                        }
                        // live data flows: an instance registered now is called
                        registrar.register(web[2].instance(service))
                        manager.callUntil(service, timeoutMillis = 30_000) { it == setOf("zks-0", "zks-1", "zks-2") }
                        pollUntil("the snapshot holds the new instance") { "${web[2].port}" in Files.readString(snapshot) }
                    }
                } finally {
                    zk.restart()
                }
            }
        }

        test(
            "without a usable snapshot the start still succeeds and calls say the registry is unreachable; without one configured it fails",
        ) {
            val snapshot = Files.createTempDirectory("zk-snapshot").resolve("instances.json")
            Files.writeString(snapshot, "{\"format\": \"switchboard-instance-snap")
            zk.stop()
            try {
                yaml(snapshot).newServiceManager().use { manager ->
                    val snapshots = manager.snapshotDiscovery.shouldNotBeNull()
                    snapshots.refusal.shouldNotBeNull() shouldContain "it is not a valid snapshot"
                    val e = shouldThrow<NoInstanceAvailableException> { manager.get<Hello>("orders", "/hello") }
                    e.message shouldContain "is unreachable"
                    e.message shouldContain "(the snapshot was refused: it is not a valid snapshot"
                }
                val missing = Files.createTempDirectory("zk-snapshot").resolve("none.json")
                yaml(missing).newServiceManager().use { manager ->
                    shouldThrow<NoInstanceAvailableException> { manager.get<Hello>("orders", "/hello") }.message shouldContain
                        "(there is no snapshot file yet)"
                }
                shouldThrow<SwitchboardException> { yaml(null).newServiceManager() }.message shouldContain zk.connectString
            } finally {
                zk.restart()
            }
        }

        test("a manager started while ZooKeeper is down registers itself once it is back") {
            val app = uniqueName("late")
            val snapshot = Files.createTempDirectory("zk-snapshot").resolve("instances.json")
            val self = "    app-name: $app\n    ip: 127.0.0.1\n    port: ${web[2].port}"
            zk.stop()
            val manager =
                try {
                    yaml(snapshot, self).newServiceManager().start()
                } finally {
                    zk.restart()
                }
            manager.use {
                manager.selfInstance.shouldNotBeNull().port shouldBe web[2].port
                ZooKeeperRegistry(ZooKeeperConfig(zk.connectString)).use { observer ->
                    pollUntil("$app is registered") { observer.instances(app).map(ServiceInstance::port) == listOf(web[2].port) }
                    ServiceManager {
                        discovery(observer)
                        loadBalancer(LoadBalancers.ROUND_ROBIN)
                    }.use { caller -> caller.get<Hello>(app, "/hello").server shouldBe "zks-2" }
                }
            }
        }
    })
