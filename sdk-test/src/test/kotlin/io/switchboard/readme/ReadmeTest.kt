package io.switchboard.readme

import io.kotest.assertions.withClue
import io.kotest.core.spec.style.FunSpec
import io.kotest.engine.spec.tempdir
import io.kotest.matchers.collections.shouldContain
import io.kotest.matchers.shouldBe
import io.kotest.matchers.shouldNotBe
import io.kotest.matchers.string.shouldContain
import io.switchboard.ServiceManager
import io.switchboard.config.ConfigLoader
import io.switchboard.discovery.InMemoryRegistry
import io.switchboard.registry.nacos.NacosRegistry
import io.switchboard.registry.zookeeper.ZooKeeperRegistry
import io.switchboard.test.NacosServer
import io.switchboard.test.TestHttpServer
import io.switchboard.test.ZooKeeperTestServer
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse.BodyHandlers
import java.nio.file.Files
import java.nio.file.Path

/** The README's quick starts are the compiled files above, run here, so they cannot rot. */
class ReadmeTest :
    FunSpec({
        val root =
            generateSequence(Path.of("").toAbsolutePath()) { it.parent }.first {
                Files.exists(it.resolve("README.md")) &&
                    Files.exists(it.resolve("sdk-core"))
            }
        val readme = Files.readString(root.resolve("README.md"))

        fun snippet(
            file: String,
            region: String,
        ): String {
            val lines = Files.readAllLines(root.resolve(file))
            val begin = lines.indexOfFirst { it.trim().endsWith("README:begin $region") }
            val end = (begin until lines.size).first { lines[it].contains("README:end") }
            val body = lines.subList(begin + 1, end)
            val indent = body.filter { it.isNotBlank() }.minOf { line -> line.takeWhile { it == ' ' }.length }
            return body.joinToString("\n") { it.drop(indent) }
        }

        test("the Kotlin quick start in the README is the tested one") {
            readme shouldContain "```kotlin\n" + snippet("sdk-test/src/test/kotlin/io/switchboard/readme/Hello.kt", "kotlin") + "\n```"
        }

        test("the Java quick start in the README is the tested one") {
            readme shouldContain "```java\n" + snippet("sdk-test/src/test/java/io/switchboard/readme/JavaQuickStart.java", "java") + "\n```"
        }

        test("the configuration snippets in the README are the compiled ones") {
            readme shouldContain
                "```kotlin\n" + snippet("sdk-test/src/test/kotlin/io/switchboard/readme/ConfiguredManager.kt", "kotlin-config") + "\n```"
            readme shouldContain
                "```java\n" + snippet("sdk-test/src/test/java/io/switchboard/readme/JavaConfiguredManager.java", "java-config") + "\n```"
        }

        test("the README's configuration example loads, and the snippets build managers from it") {
            val folder = Files.createTempDirectory("readme-config")
            Files.writeString(folder.resolve("application.yaml"), readme.substringAfter("```yaml\n").substringBefore("```"))
            Files.writeString(folder.resolve("application-dev.yaml"), "service-caller:\n  connection-pool-size: 7\n")
            System.setProperty("API_TOKEN", "t")
            try {
                managerFromConfig(folder).use { it.connectionPoolSize shouldBe 7 }
                JavaConfiguredManager.managerFromConfig(folder).use { it.connectionPoolSize shouldBe 20 }
            } finally {
                System.clearProperty("API_TOKEN")
            }
        }

        test("the README's Nacos snippet is the compiled one, and registers the application") {
            readme shouldContain
                "```kotlin\n" + snippet("sdk-test/src/test/kotlin/io/switchboard/readme/NacosManager.kt", "kotlin-nacos") + "\n```"
            val nacos = NacosServer.shared()
            val manager = nacosManager(nacos.serverAddr)
            val registry = manager.discovery as NacosRegistry
            try {
                manager.selfInstance!!.serviceName shouldBe "my-app"
                registry.snapshot("my-app").single().port shouldBe 8080
            } finally {
                manager.close()
                registry.close()
            }
        }

        test("the README's ZooKeeper snippet is the compiled one, and registers the application") {
            readme shouldContain
                "```kotlin\n" + snippet("sdk-test/src/test/kotlin/io/switchboard/readme/ZooKeeperManager.kt", "kotlin-zookeeper") + "\n```"
            ZooKeeperTestServer.start().use { zk ->
                val manager = zooKeeperManager(zk.connectString)
                val registry = manager.discovery as ZooKeeperRegistry
                try {
                    manager.selfInstance!!.serviceName shouldBe "my-app"
                    registry.instancesNow("my-app").single().port shouldBe 8080
                } finally {
                    manager.close()
                    registry.close()
                }
            }
        }

        test("the README's client snippet is the compiled one, and calls a loopback server") {
            readme shouldContain
                "```kotlin\n" + snippet("sdk-test/src/test/kotlin/io/switchboard/readme/ClientQuickStart.kt", "kotlin-client") + "\n```"
            TestHttpServer.start("readme-client").use { server ->
                val response = createAndFetch(server.baseUrl + "/echo")
                response.status shouldBe 200
                response.text() shouldContain "\"path\":\"/echo/users/42\""
                response.trackingToken shouldNotBe null
            }
        }

        test("the README's service snippet is the compiled one, and works") {
            readme shouldContain
                "```kotlin\n" + snippet("sdk-test/src/test/kotlin/io/switchboard/readme/ServiceQuickStart.kt", "kotlin-service") + "\n```"
            placeAndFind() shouldBe Order(1, listOf("tea"))
        }

        test("the README's application-from-configuration snippet is the compiled one, and works against a real Nacos") {
            readme shouldContain
                "```kotlin\n" + snippet("sdk-test/src/test/kotlin/io/switchboard/readme/AppFromConfig.kt", "kotlin-app-from-config") +
                "\n```"
            val nacos = NacosServer.shared()
            val folder = Files.createTempDirectory("readme-app")
            val credentials =
                listOfNotNull(nacos.username?.let { "    username: $it" }, nacos.password?.let { "    password: $it" })
            Files.writeString(
                folder.resolve("application.yaml"),
                (listOf("app-registry:", "  nacos:", "    server-addr: ${nacos.serverAddr}") + credentials).joinToString("\n") + "\n",
            )
            ordersFromConfig(folder) shouldBe Order(7, listOf("tea"))
        }

        test("the README's Java host snippet is the compiled one, and serves") {
            readme shouldContain "```java\n" + snippet("sdk-test/src/test/java/io/switchboard/readme/JavaHost.java", "java-host") + "\n```"
            val registry = InMemoryRegistry()
            JavaHost.host(registry).use {
                ServiceManager { discovery(registry) }.use { manager ->
                    manager.getService<JavaHost.Greeter>().greet("Ada") shouldBe "Hello, Ada"
                }
            }
            registry.snapshot("greeter") shouldBe emptyList()
        }

        test("the README's configuration example loads") {
            val yaml = readme.substringAfter("```yaml\n").substringBefore("```")
            val config = ConfigLoader(mapOf("API_TOKEN" to "t")).parse(yaml)
            config.serviceCaller.services
                .getValue("user-service")
                .instances
                .map { it.weight } shouldBe listOf(3.0, 1.0)
            config.serviceCaller.interceptors.metrics shouldBe true
        }

        test("every YAML block of the README loads, each registry section checked by its adapter") {
            val blocks = Regex("```yaml\n(.*?)```", RegexOption.DOT_MATCHES_ALL).findAll(readme).map { it.groupValues[1] }.toList()
            (blocks.size >= 4) shouldBe true
            blocks.forEach { yaml ->
                withClue(yaml) { ConfigLoader(mapOf("API_TOKEN" to "t")).parse(yaml) }
            }
        }

        test("the README's authentication snippet is the compiled one, and a signed call gets through") {
            readme shouldContain
                "```kotlin\n" + snippet("sdk-test/src/test/kotlin/io/switchboard/readme/SecuredHost.kt", "kotlin-auth") + "\n```"
            securedAccounts("a-secret-of-at-least-thirty-two-bytes!") shouldBe "batch"
        }

        test("the README's TLS snippet is the compiled one, and the caller is named by its certificate") {
            readme shouldContain
                "```kotlin\n" + snippet("sdk-test/src/test/kotlin/io/switchboard/readme/TlsHost.kt", "kotlin-tls") + "\n```"
            val dir = tempdir()
            val certs = io.switchboard.service.TestCertificates(dir)
            java.io.File(dir, "ca.pem").writeText(certs.ca.certificatePem())
            certs.pemFiles("server", certs.leaf("accounts", "127.0.0.1"))
            certs.pemFiles("batch", certs.leaf("batch"))
            mutualTls(dir.toPath()) shouldBe "batch"
        }

        test("the README's OpenAPI snippet is the compiled one, and serves the document and the page") {
            readme shouldContain
                "```kotlin\n" + snippet("sdk-test/src/test/kotlin/io/switchboard/readme/DocumentedHost.kt", "kotlin-openapi") + "\n```"
            val server =
                documentedCatalog(
                    object : Catalog {
                        override suspend fun item(sku: String): String = "item $sku"
                    },
                )
            try {
                val http = HttpClient.newHttpClient()

                fun get(path: String) =
                    http.send(HttpRequest.newBuilder(URI.create(server.baseUrl + path)).build(), BodyHandlers.ofString())
                get("/openapi.json").let {
                    it.statusCode() shouldBe 200
                    it.body() shouldContain "\"title\":\"Shop\""
                    it.body() shouldContain "One item, by its stock-keeping unit"
                }
                get("/docs").statusCode() shouldBe 200
            } finally {
                server.stop()
            }
        }

        test("the README's observability snippet is the compiled one; the scrape shows the call on both sides, by template") {
            readme shouldContain
                "```kotlin\n" + snippet("sdk-test/src/test/kotlin/io/switchboard/readme/ObservedHost.kt", "kotlin-observability") + "\n```"
            val traces = io.switchboard.observability.Traces()
            val observability = observabilityOf(traces.sdk)
            val server =
                observedCatalog(
                    object : Catalog {
                        override suspend fun item(sku: String): String = "item $sku"
                    },
                    observability,
                )
            try {
                observedCaller(server, observability).use { manager ->
                    manager.getService<Catalog>(io.switchboard.service.Channel.REST).item("a-1") shouldBe "item a-1"
                }
                io.switchboard.service.eventually("the server's request is counted") {
                    prometheus.scrape().contains("http_server_requests_seconds_count{")
                }
                val scrape = prometheus.scrape()
                scrape shouldContain
                    Regex("http_client_requests_seconds_count\\{[^}]*service=\"catalog\"[^}]*uri=\"/catalog/items/\\{sku}\"")
                scrape shouldContain
                    Regex("http_server_requests_seconds_count\\{[^}]*service=\"catalog\"[^}]*uri=\"/catalog/items/\\{sku}\"")
                traces.exporter.finishedSpanItems.map { it.name } shouldContain "GET /catalog/items/{sku}"
            } finally {
                server.stop()
                traces.close()
            }
        }

        test("the Kotlin quick start calls a loopback server") {
            TestHttpServer.start("quick-kotlin").use { server ->
                callHello(server.port) shouldBe Hello("OK", "quick-kotlin")
            }
        }
    })
