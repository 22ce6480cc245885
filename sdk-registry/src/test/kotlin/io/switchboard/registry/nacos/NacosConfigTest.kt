package io.switchboard.registry.nacos

import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.switchboard.ConfigurationException
import io.switchboard.config.ConfigLoader

private fun nacos(yaml: String): NacosConfig = NacosConfig.from(ConfigLoader(emptyMap()).parse(yaml).appRegistry.getValue("nacos"))

private fun failure(yaml: String): String = shouldThrow<ConfigurationException> { nacos(yaml) }.message!!

class NacosConfigTest :
    FunSpec({
        test("the seed's app-registry.nacos section reads as written, the password masked") {
            val config =
                nacos(
                    """
                    app-registry:
                      nacos:
                        server-addr: "192.168.30.36:9090"
                        namespace: "dev"
                        cluster: "DEFAULT"
                        group: "DEFAULT_GROUP"
                        ip: "127.0.0.1"
                        port: 9999
                        app-name: "my-app"
                        username: "nacos"
                        password: "Y789uioJKL"
                        weight: 1.0
                    """.trimIndent(),
                )
            config.serverAddr shouldBe "192.168.30.36:9090"
            config.namespace shouldBe "dev"
            config.cluster shouldBe "DEFAULT"
            config.group shouldBe "DEFAULT_GROUP"
            config.ip shouldBe "127.0.0.1"
            config.port shouldBe 9999
            config.appName shouldBe "my-app"
            config.username shouldBe "nacos"
            config.password shouldBe "Y789uioJKL"
            config.weight shouldBe 1.0
            config.toString() shouldContain "password=***"
        }

        test("a port out of range names the file, line, key and what is expected") {
            failure("app-registry:\n  nacos:\n    server-addr: 127.0.0.1:8848\n    port: 70000") shouldContain
                "application.yaml:4:11: app-registry.nacos.port: '70000' (expected: a whole number from 1 to 65535)"
        }

        test("a section without server-addr, or with one that is not an address, is refused") {
            failure("app-registry:\n  nacos:\n    namespace: dev") shouldContain
                "application.yaml:3:5: app-registry.nacos: no server-addr (expected: server-addr: host:8848, or several comma-separated)"
            failure("app-registry:\n  nacos:\n    server-addr: 'host:port'") shouldContain "'host:port' is not an address"
        }

        test("a misspelled key is reported with the nearest known one") {
            failure("app-registry:\n  nacos:\n    server-addr: h:1\n    app_name: x") shouldContain "did you mean 'app-name'?"
        }

        test("the provider is found by the name of its section") {
            NacosRegistryProvider().name shouldBe "nacos"
        }
    })
