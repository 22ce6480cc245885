package io.switchboard.cli

import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldContainExactlyInAnyOrder
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.switchboard.ServiceInstance
import io.switchboard.nacos.awaitInstances
import io.switchboard.nacos.uniqueName
import io.switchboard.registry.nacos.NacosConfig
import io.switchboard.registry.nacos.NacosRegistry
import io.switchboard.server.ServiceServer
import io.switchboard.test.NacosServer
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.jsonArray
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.jsonPrimitive

/** The command line against the real Nacos the other Nacos tests share, and `ServiceServer`s registered in it. */
class CliWithNacosTest :
    FunSpec({
        val nacos = NacosServer.shared()
        val registry = NacosRegistry(nacos.config())
        val servers = listOf(peopleServer("nacos-people-0"), peopleServer("nacos-people-1"))
        val service = uniqueName("cli-orders")
        val flags = arrayOf("--nacos", nacos.serverAddr)
        afterSpec {
            registry.close()
            servers.forEach(ServiceServer::close)
        }

        fun instance(
            server: ServiceServer,
            name: String = service,
        ): ServiceInstance = server.instances[0].withServiceName(name)

        beforeSpec {
            servers.forEach { registry.register(instance(it)) }
            awaitInstances(registry, service, 2)
        }

        test("list shows every service Nacos holds with its instances, and --json parses back") {
            val json = cli("list", *flags, "--json")
            json.exitCode shouldBe 0
            json.json["registry"]!!.jsonPrimitive.content shouldContain nacos.serverAddr
            val orders =
                json.json["services"]!!
                    .jsonArray
                    .map { it.jsonObject }
                    .single { it["name"]!!.jsonPrimitive.content == service }
            orders["source"]!!.jsonPrimitive.content shouldBe "nacos"
            orders["instances"]!!.jsonArray.map { it.jsonObject["address"]!!.jsonPrimitive.content } shouldContainExactlyInAnyOrder
                servers.map { it.address }
            orders["instances"]!!.jsonArray.forEach {
                it.jsonObject["metadata"]!!
                    .jsonObject["channels"]!!
                    .jsonPrimitive.content shouldContain
                    "rest"
            }

            val table = cli("list", service, *flags)
            table.exitCode shouldBe 0
            servers.forEach { s -> table.out.lines().single { it.startsWith(service) && it.contains(s.address) } shouldContain "healthy" }
        }

        test("call and health reach the service's instances through Nacos") {
            val call = cli("call", service, "/api/instance", *flags, "--json")
            call.exitCode shouldBe 0
            Json.parseToJsonElement(call.json["body"].toString()).jsonPrimitive.content shouldContain "nacos-people-"

            val health = cli("health", service, *flags)
            health.exitCode shouldBe 0
            health.err shouldContain "2 of 2 instance(s) UP"
        }

        test("an unknown name is matched against the services Nacos lists") {
            val typo = service.replace("orders", "ordrs")
            val result = cli("call", typo, "/api/instance", *flags)
            result.exitCode shouldBe 1
            result.shouldBeOneLineError()
            result.err shouldContain "unknown service '$typo' (known: "
            result.err shouldContain "did you mean '$service'?"
        }

        test("watch prints an instance added and removed as Nacos pushes them") {
            val watched = uniqueName("cli-watched")
            registry.register(instance(servers[0], watched))
            awaitInstances(registry, watched, 1)
            val watch = RunningCli("watch", watched, *flags, "--count", "2")
            watch.awaitOutput("1 instance(s): ${servers[0].address}")
            registry.register(instance(servers[1], watched))
            watch.awaitOutput("+ ${servers[1].address} (weight 1.0, healthy) → 2 instance(s)")
            registry.deregister(instance(servers[1], watched))
            watch.awaitOutput("- ${servers[1].address} → 1 instance(s)")
            watch.await().exitCode shouldBe 0

            // --json: one object per line, until interrupted (Ctrl-C)
            val json = RunningCli("watch", watched, *flags, "--json")
            json.awaitOutput("\"initial\":true")
            registry.register(instance(servers[1], watched))
            json.awaitOutput("\"added\":[\"${servers[1].address}\"]")
            json.interrupt()
            val ended = json.await()
            ended.exitCode shouldBe 0
            val events =
                ended.out
                    .lines()
                    .filter { it.isNotBlank() }
                    .map { Json.parseToJsonElement(it).jsonObject }
            events.map { it["instances"]!!.jsonArray.size } shouldBe listOf(1, 2)
        }

        test("an unreachable Nacos exits 1 in one line naming its address") {
            val address = "127.0.0.1:${closedPort()}"
            val started = System.nanoTime()
            val result = cli("list", "--nacos", address, "--registry-timeout", "2s")
            result.exitCode shouldBe 1
            result.shouldBeOneLineError()
            result.err shouldContain "cannot reach the registry (nacos $address)"
            println("unreachable Nacos reported after ${(System.nanoTime() - started) / 1_000_000} ms")
        }
    })
