package io.switchboard.cli

import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.switchboard.registry.zookeeper.ZooKeeperConfig
import io.switchboard.registry.zookeeper.ZooKeeperRegistry
import io.switchboard.test.ZooKeeperTestServer
import kotlinx.serialization.json.jsonArray
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.jsonPrimitive

/** The command line against a real ZooKeeper: services listed from its nodes, called by name. */
class CliWithZooKeeperTest :
    FunSpec({
        val zookeeper = ZooKeeperTestServer.start()
        val server = peopleServer("zk-people")
        val registry = ZooKeeperRegistry(ZooKeeperConfig(zookeeper.connectString))
        afterSpec {
            registry.close()
            server.close()
            zookeeper.close()
        }

        test("list names the services under the root and call reaches them") {
            registry.register(server.instances[0].withServiceName("zk-people"))
            val flags = arrayOf("--zookeeper", zookeeper.connectString)
            val list = cli("list", *flags, "--json")
            list.exitCode shouldBe 0
            val services = list.json["services"]!!.jsonArray.map { it.jsonObject }
            services.map { it["name"]!!.jsonPrimitive.content } shouldBe listOf("zk-people")
            services.single()["source"]!!.jsonPrimitive.content shouldBe "zookeeper"

            val call = cli("call", "zk-people", "/api/instance", *flags)
            call.exitCode shouldBe 0
            call.out shouldContain "zk-people"
        }
    })
