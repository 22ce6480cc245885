package io.switchboard.e2e

import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.longs.shouldBeLessThan
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.switchboard.ServiceManager
import io.switchboard.ServiceTimeoutException
import io.switchboard.SwitchboardException
import io.switchboard.TimeoutKind
import io.switchboard.config.ConfigLoader
import io.switchboard.interceptor.MetricsInterceptor
import io.switchboard.test.TestHttpServer
import java.time.Duration

/** A manager built from application.yaml calls real servers the way the file says. */
class ConfiguredManagerTest :
    FunSpec({
        val (a, b) = servers(2, "cfg")
        afterSpec { listOf(a, b).forEach(TestHttpServer::close) }

        val yaml =
            """
            service-caller:
              lb-type: round_robin
              connection-pool-size: 4
              interceptors:
                auth:
                  token: ${'$'}{API_TOKEN}
                metrics:
                  enabled: true
              services:
                orders:
                  lb-type: weight_round_robin
                  request-timeout: 1s
                  instances:
                    - { host: 127.0.0.1, port: "${'$'}{PORT_A}", weight: 3, instance-id: a }
                    - { host: 127.0.0.1, port: "${'$'}{PORT_B}", weight: 1, instance-id: b }
            """.trimIndent()

        val env = mapOf("PORT_A" to "${a.port}", "PORT_B" to "${b.port}", "API_TOKEN" to "t0k3n")

        test("static instances, per-service strategy and timeout, and interceptors come from the file") {
            val config = ConfigLoader(env).parse(yaml)
            ServiceManager { config(config) }.use { manager ->
                manager.connectionPoolSize shouldBe 4
                val servedBy = List(8) { manager.get<Echo>("orders", "/echo").server }
                servedBy.count { it == "cfg-0" } shouldBe 6
                manager.get<Echo>("orders", "/echo").headers["authorization"] shouldBe "Bearer t0k3n"
                val timeout = shouldThrow<ServiceTimeoutException> { manager.get<String>("orders", "/delay/3000") }
                timeout.kind shouldBe TimeoutKind.REQUEST
                timeout.timeout shouldBe Duration.ofSeconds(1)
                val metrics = manager.interceptors.filterIsInstance<MetricsInterceptor>().single()
                metrics.snapshot().first { it.outcome == "200" }.count shouldBe 9
            }
        }

        test("builder calls after config() win over the file, interceptors included") {
            val config = ConfigLoader(env).parse(yaml)
            ServiceManager {
                config(config)
                connectionPoolSize(2)
                addInterceptor(io.switchboard.interceptor.AuthInterceptor("rotated"))
            }.use { manager ->
                manager.connectionPoolSize shouldBe 2
                manager.get<Echo>("orders", "/echo").headers["authorization"] shouldBe "Bearer rotated"
            }
        }

        test("a configured Nacos that does not answer fails at start, naming the address") {
            val port = java.net.ServerSocket(0).use { it.localPort }
            val config = ConfigLoader().parse("app-registry:\n  nacos:\n    server-addr: 127.0.0.1:$port")
            val started = System.nanoTime()
            val e = shouldThrow<SwitchboardException> { config.newServiceManager() }
            e.message shouldContain "Nacos at 127.0.0.1:$port"
            ((System.nanoTime() - started) / 1_000_000) shouldBeLessThan 20_000L
        }
    })
