package io.switchboard.config

import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.kotest.matchers.string.shouldNotContain
import io.switchboard.ConfigurationException
import io.switchboard.HttpEngine
import io.switchboard.ServiceInstance
import org.slf4j.event.Level
import java.nio.file.Files
import java.nio.file.Path
import java.time.Duration

private fun dir(vararg files: Pair<String, String>): Path {
    val dir = Files.createTempDirectory("switchboard-config")
    files.forEach { (name, text) -> Files.writeString(dir.resolve(name), text.trimIndent() + "\n") }
    return dir
}

private fun loader(
    env: Map<String, String> = emptyMap(),
    props: Map<String, String> = emptyMap(),
) = ConfigLoader(env) { props[it] }

private fun failure(
    vararg files: Pair<String, String>,
    env: Map<String, String> = emptyMap(),
    profiles: Array<String> = emptyArray(),
): String = shouldThrow<ConfigurationException> { loader(env).load(dir(*files), *profiles) }.message!!

class ConfigLoaderTest :
    FunSpec({
        val base =
            "application.yaml" to
                """
                service-caller:
                  lb-type: round_robin
                  connection-timeout: 6
                  read-timeout: 6
                  connection-pool-size: 100
                  services:
                    orders:
                      lb-type: weight_random
                      request-timeout: 2s
                      instances:
                        - host: 127.0.0.1
                          port: 8081
                        - host: 127.0.0.1
                          port: 8082
                          weight: 3
                my-app:
                  anything: goes
                """

        test("the seed's example file loads as it is written") {
            val config = loader().load(Path.of(javaClass.getResource("/seed/application.yaml")!!.toURI()).parent)
            val caller = config.serviceCaller
            caller.lbType shouldBe "round_robin"
            caller.connectionTimeout shouldBe Duration.ofSeconds(6)
            caller.readTimeout shouldBe Duration.ofSeconds(6)
            caller.connectionPoolSize shouldBe 100
            // the registry's section is kept for its adapter (sdk-registry's NacosConfigTest reads it whole)
            val nacos = config.appRegistry.getValue("nacos")
            nacos.path shouldBe "app-registry.nacos"
            nacos.string("server-addr") shouldBe "192.168.30.36:9090"
            nacos.int("port", 1..65535) shouldBe 9999
            config.toString() shouldNotContain "Y789uioJKL"
        }

        test("a profile file merges over application.yaml: maps key by key, lists replaced") {
            val dev =
                "application-dev.yaml" to
                    """
                    service-caller:
                      connection-timeout: 500ms
                      services:
                        orders:
                          instances:
                            - host: 127.0.0.1
                              port: 9090
                    """
            val config = loader().load(dir(base, dev), "dev")
            config.profiles shouldBe listOf("dev")
            config.sources.map { Path.of(it).fileName.toString() } shouldBe listOf("application.yaml", "application-dev.yaml")
            config.serviceCaller.connectionTimeout shouldBe Duration.ofMillis(500)
            config.serviceCaller.readTimeout shouldBe Duration.ofSeconds(6)
            val orders = config.serviceCaller.services["orders"]!!
            orders.lbType shouldBe "weight_random"
            orders.requestTimeout shouldBe Duration.ofSeconds(2)
            orders.instances shouldBe listOf(ServiceInstance("orders", "127.0.0.1", 9090))
        }

        test("later profiles win over earlier ones; the active profiles come from the system property, then the environment") {
            val a = "application-a.yaml" to "service-caller:\n  read-timeout: 1\n  connection-pool-size: 5"
            val b = "application-b.yaml" to "service-caller:\n  read-timeout: 2"
            val files = dir(base, a, b)
            loader().load(files, "a", "b").serviceCaller.readTimeout shouldBe Duration.ofSeconds(2)
            loader().load(files, "b", "a").serviceCaller.readTimeout shouldBe Duration.ofSeconds(1)
            loader(env = mapOf(ConfigLoader.PROFILES_ENV to "a")).load(files).serviceCaller.connectionPoolSize shouldBe 5
            val both = loader(env = mapOf(ConfigLoader.PROFILES_ENV to "a"), props = mapOf(ConfigLoader.PROFILES_PROPERTY to "b"))
            both.load(files).profiles shouldBe listOf("b")
            loader().load(files).profiles shouldBe emptyList()
        }

        test("\${VAR} and \${VAR:default} expand from system properties, then environment variables, then the default") {
            val text =
                """
                service-caller:
                  lb-type: ${'$'}{LB:random}
                  connection-pool-size: ${'$'}{POOL}
                  interceptors:
                    auth:
                      token: "${'$'}{TOKEN}"
                      prefix: "$${'$'}{literal} "
                """
            val env = mapOf("POOL" to "7", "TOKEN" to "from-env")
            val fromEnv = loader(env).parse(text.trimIndent())
            fromEnv.serviceCaller.lbType shouldBe "random"
            fromEnv.serviceCaller.connectionPoolSize shouldBe 7
            fromEnv.serviceCaller.interceptors.auth!!
                .token shouldBe "from-env"
            fromEnv.serviceCaller.interceptors.auth!!
                .prefix shouldBe "${'$'}{literal} "
            val fromProps = loader(env, mapOf("TOKEN" to "from-property", "LB" to "weight_random")).parse(text.trimIndent())
            fromProps.serviceCaller.interceptors.auth!!
                .token shouldBe "from-property"
            fromProps.serviceCaller.lbType shouldBe "weight_random"
            fromProps.toString() shouldNotContain "from-property"
        }

        test("the interceptor and engine settings are read") {
            val config =
                loader().parse(
                    """
                    service-caller:
                      engine: cio
                      keep-alive: 1m
                      request-timeout: PT3S
                      interceptors:
                        logging: { level: debug, log-request: false }
                        metrics: { enabled: true }
                    """.trimIndent(),
                )
            config.serviceCaller.engine shouldBe HttpEngine.CIO
            config.serviceCaller.keepAlive shouldBe Duration.ofMinutes(1)
            config.serviceCaller.requestTimeout shouldBe Duration.ofSeconds(3)
            val interceptors = config.serviceCaller.interceptors
            interceptors.logging!!.level shouldBe Level.DEBUG
            interceptors.logging!!.logRequest shouldBe false
            interceptors.auth shouldBe null
            interceptors.metrics shouldBe true
        }

        test("retry policies per manager and per service, with bad values named") {
            val config =
                loader().parse(
                    """
                    service-caller:
                      retry: { max-attempts: 2, retryable-statuses: [503], budget-ratio: 0.1 }
                      services:
                        orders:
                          retry: { max-attempts: 1 }
                    """.trimIndent(),
                )
            val retry = config.serviceCaller.retry!!
            retry.maxAttempts shouldBe 2
            retry.retryableStatuses shouldBe setOf(503)
            retry.budgetRatio shouldBe 0.1
            retry.minRetriesPerSecond shouldBe 10
            val orders = config.serviceCaller.services.getValue("orders")
            orders.retry!!.maxAttempts shouldBe 1
            // what the service's section leaves out comes from service-caller.retry, not from the defaults
            orders.retry!!.retryableStatuses shouldBe setOf(503)
            orders.retry!!.budgetRatio shouldBe 0.1
            orders.idempotent shouldBe null
            failure("application.yaml" to "service-caller:\n  services:\n    orders:\n      idempotnet: true") shouldContain
                "service-caller.services.orders.idempotnet is not a known key (did you mean 'idempotent'?)"
            failure("application.yaml" to "service-caller:\n  retry:\n    retryable-statuses: 503, 200") shouldContain
                "application.yaml:3:25: service-caller.retry.retryable-statuses: '200' (expected: whole numbers from 300 to 599"
            failure("application.yaml" to "service-caller:\n  retry:\n    max-atempts: 2") shouldContain "did you mean 'max-attempts'?"
        }

        test("an unknown strategy names the file, line, key, value and the valid names") {
            failure("application.yaml" to "service-caller:\n  lb-type: fastest") shouldContain
                "application.yaml:2:12: service-caller.lb-type: 'fastest' (expected: one of round_robin, random, " +
                "weight_round_robin, weight_random, least_requests, peak_ewma)"
        }

        test("negative and non-numeric timeouts are refused") {
            failure("application.yaml" to "service-caller:\n  connection-timeout: -3") shouldContain
                "service-caller.connection-timeout: '-3' (expected: a duration above zero, such as 6 (seconds), 1.5, 500ms, 2s, 1m, 1h or 7d)"
            failure("application.yaml" to "service-caller:\n  read-timeout: soon") shouldContain "service-caller.read-timeout: 'soon'"
        }

        test("the instance snapshot section: path and max-age (days allowed), or an error naming what is missing") {
            val dir =
                dir("application.yaml" to "service-caller:\n  instance-snapshot:\n    path: /var/lib/app/instances.json\n    max-age: 2d")
            val snapshot = loader(emptyMap()).load(dir).serviceCaller.instanceSnapshot!!
            snapshot.path.toString() shouldBe "/var/lib/app/instances.json"
            snapshot.maxAge shouldBe Duration.ofDays(2)
            failure("application.yaml" to "service-caller:\n  instance-snapshot:\n    max-age: 1d") shouldContain
                "service-caller.instance-snapshot: no path (expected: the snapshot file, such as /var/lib/orders/instances.json)"
            failure("application.yaml" to "service-caller:\n  instance-snapshot:\n    path: x.json\n    max-age: 0") shouldContain
                "service-caller.instance-snapshot.max-age: '0'"
        }

        test("a signing key needs a key-id and a secret of 32 bytes or more, which never shows in toString") {
            failure(
                "application.yaml" to "service-caller:\n  interceptors:\n    signing:\n      key-id: orders\n      secret: short",
            ) shouldContain
                "service-caller.interceptors.signing.secret: a secret of at least 32 bytes is required"
            failure("application.yaml" to "service-caller:\n  interceptors:\n    signing:\n      secret: x") shouldContain
                "service-caller.interceptors.signing: no key-id"
            val secret = "s".repeat(40)
            val config =
                loader(mapOf("S" to secret)).load(
                    dir("application.yaml" to "service-caller:\n  interceptors:\n    signing:\n      key-id: orders\n      secret: \${S}"),
                )
            config.serviceCaller.interceptors.signing!!
                .keyId shouldBe "orders"
            config.toString() shouldNotContain secret
        }

        test("a port out of range is refused in static instances") {
            failure(
                "application.yaml" to "service-caller:\n  services:\n    x:\n      instances:\n        - host: h\n          port: 0",
            ) shouldContain
                "service-caller.services.x.instances[0].port: '0'"
        }

        test("a variable with no value and no default names the key and the variable") {
            failure(
                "application.yaml" to "app-registry:\n  nacos:\n    server-addr: h:8848\n    password: \${NACOS_PASSWORD}",
            ) shouldContain
                "application.yaml:4:15: app-registry.nacos.password: \${NACOS_PASSWORD} has no value"
        }

        test("a profile file that does not parse names its line and column") {
            val message =
                failure(base, "application-bad.yaml" to "service-caller:\n  read-timeout: [1, 2\n  x: y", profiles = arrayOf("bad"))
            message shouldContain "application-bad.yaml:"
            message shouldContain "does not parse as YAML"
            Regex("""application-bad\.yaml:\d+:\d+""").containsMatchIn(message) shouldBe true
        }

        test("a misspelled key is reported with the nearest known key") {
            failure("application.yaml" to "service-caller:\n  conection-timeout: 5") shouldContain
                "service-caller.conection-timeout is not a known key (did you mean 'connection-timeout'?)"
            failure("application.yaml" to "service-caler:\n  lb-type: random") shouldContain
                "service-caler is not a known key (did you mean 'service-caller'?)"
        }

        test("a secret in a bad value is never printed") {
            val message =
                failure("application.yaml" to "service-caller:\n  interceptors:\n    auth:\n      token: abc\n      header-name: ''")
            message shouldContain "header-name"
            message shouldNotContain "abc"
            failure(
                "application.yaml" to
                    "service-caller:\n  services:\n    s:\n      instances:\n        - host: h\n          port: 1\n          metadata: { password: [x] }",
            ) shouldContain
                "metadata.password"
        }

        test("a configured Nacos registry without an adapter on the classpath is a clear error") {
            val config = loader().parse("app-registry:\n  nacos:\n    server-addr: 127.0.0.1:8848")
            shouldThrow<ConfigurationException> { config.newServiceManager() }.message shouldContain
                "application.yaml:3:5: app-registry.nacos is configured but no registry adapter named 'nacos' is on the classpath"
        }

        test("the application's own sections are left alone, placeholders included") {
            val config =
                loader().parse(
                    "spring:\n  application:\n    name: \${'$'}{spring.application.name}\nservice-caller:\n  lb-type: random",
                )
            config.serviceCaller.lbType shouldBe "random"
        }

        test("a missing application.yaml is reported") {
            failure("other.yaml" to "a: b") shouldContain "no application.yaml or application.yml in"
        }
    })
