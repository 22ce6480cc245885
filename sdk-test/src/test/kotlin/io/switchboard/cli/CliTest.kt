package io.switchboard.cli

import io.kotest.core.spec.style.FunSpec
import io.kotest.engine.spec.tempdir
import io.kotest.matchers.collections.shouldContain
import io.kotest.matchers.collections.shouldContainExactly
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.kotest.matchers.string.shouldNotContain
import io.switchboard.server.ServiceServer
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.JsonArray
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.JsonPrimitive
import kotlinx.serialization.json.int
import kotlinx.serialization.json.jsonArray
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.jsonPrimitive
import java.nio.file.Files

/** The command line against hosted `ServiceServer`s on loopback, with static lists from flags and from application.yaml. */
class CliTest :
    FunSpec({
        val live = peopleServer("people-0", openApi = true)
        val sick = peopleServer("people-1", healthy = false)
        val dead = closedPort()
        val folder = tempdir().toPath()
        // the base file lists the dead instance alone; the dev profile replaces the list and balances in turn, dead first
        Files.writeString(
            folder.resolve("application.yaml"),
            """
            service-caller:
              interceptors:
                auth: { token: "s3cret-token-value" }
              services:
                people:
                  instances:
                    - { host: 127.0.0.1, port: $dead, metadata: { zone: a, api-token: leaked-if-shown } }
            """.trimIndent(),
        )
        Files.writeString(
            folder.resolve("application-dev.yaml"),
            """
            service-caller:
              lb-type: round_robin
              services:
                people:
                  instances:
                    - { host: 127.0.0.1, port: $dead }
                    - { host: 127.0.0.1, port: ${live.instances[0].port}, weight: 2 }
            """.trimIndent(),
        )
        val config = arrayOf("--config", folder.resolve("application.yaml").toString(), "--profile", "dev")
        afterSpec { listOf(live, sick).forEach(ServiceServer::close) }

        test("list reads application.yaml and its profile as a ServiceManager does, as a table and as --json") {
            val table = cli("list", *config)
            table.exitCode shouldBe 0
            table.out shouldContain "2 instance(s)"
            table.out
                .lines()
                .first { it.startsWith("SERVICE") }
                .split(Regex(" {2,}")) shouldContainExactly
                listOf("SERVICE", "INSTANCE", "WEIGHT", "HEALTH", "CLUSTER", "EJECTED", "AGE", "METADATA")
            table.out shouldContain "127.0.0.1:$dead"
            table.out shouldContain live.address

            val json = cli("list", *config, "--json").json
            val people = json["services"]!!.jsonArray.single().jsonObject
            people["name"]!!.jsonPrimitive.content shouldBe "people"
            people["source"]!!.jsonPrimitive.content shouldBe "static"
            people["instances"]!!.jsonArray.associate {
                it.jsonObject["port"]!!.jsonPrimitive.int to
                    it.jsonObject["weight"]!!
                        .jsonPrimitive.content
                        .toDouble()
            } shouldBe mapOf(dead to 1.0, live.instances[0].port to 2.0)

            // without the profile: the base file's one instance, its secret-named metadata hidden, the token never shown
            val base = cli("list", "--config", folder.toString())
            base.out shouldContain "zone=a"
            base.out shouldContain "api-token=***"
            (base.out + base.err) shouldNotContain "leaked-if-shown"
            (base.out + base.err) shouldNotContain "s3cret"
        }

        test("call goes on to the next instance when one is down, and prints status, instance, timings and attempts") {
            val result = cli("call", "people", "/api/instance", *config)
            result.exitCode shouldBe 0
            result.out.trim() shouldBe "\"people-0\""
            result.err shouldContain "HTTP 200 from ${live.address}"
            result.err shouldContain "2 attempts"
            result.err shouldContain "1. 127.0.0.1:$dead connection refused"
            result.err shouldContain "2. ${live.address} HTTP 200"

            val json = cli("call", "people", "/api/instance", *config, "--json", "-i").json
            json["status"]!!.jsonPrimitive.int shouldBe 200
            json["instance"]!!.jsonPrimitive.content shouldBe live.address
            json["body"] shouldBe JsonPrimitive("people-0")
            json["attempts"]!!.jsonArray.map { it.jsonObject["outcome"]!!.jsonPrimitive.content } shouldContainExactly
                listOf("connection refused", "HTTP 200")
            json.toString() shouldNotContain "s3cret"

            // no instance answers: one line on standard error, and with --json the failure and its attempts on standard output
            val failed = cli("call", "people", "/api/instance", "--static", "people=127.0.0.1:$dead", "--json")
            failed.exitCode shouldBe 1
            failed.shouldBeOneLineError()
            failed.err shouldContain "switchboard: GET /api/instance on people failed after"
            failed.err shouldContain "127.0.0.1:$dead connection refused in"
            failed.json["error"]!!.jsonPrimitive.content shouldContain "connection refused"
            failed.json["attempts"]!!
                .jsonArray
                .map { it.jsonObject["outcome"]!!.jsonPrimitive.content }
                .toSet() shouldBe
                setOf("connection refused")
        }

        test("call sends a JSON body from an argument, a file or standard input, with headers and query parameters") {
            val static = arrayOf("--static", "people=${live.address}")
            cli("call", "people", "/api/people", "-d", """{"id":1,"name":"Ada"}""", *static).exitCode shouldBe 0
            val file = folder.resolve("grace.json")
            Files.writeString(file, """{"id":2,"name":"Grace","tags":["navy"]}""")
            cli("call", "people", "/api/people", "-X", "POST", "-d", "@$file", *static).exitCode shouldBe 0
            cli("call", "people", "/api/people", "-d", "@-", *static, stdin = """{"id":3,"name":"Adele"}""").exitCode shouldBe 0

            val found = cli("call", "people", "/api/people", "-q", "name=Ad", "-q", "limit=10", *static)
            found.exitCode shouldBe 0
            // the body is printed indented, as JSON
            found.out shouldContain "\n  {\n    \"id\": 1,"
            Json.parseToJsonElement(found.out).jsonArray.map { it.jsonObject["name"]!!.jsonPrimitive.content } shouldContainExactly
                listOf("Ada", "Adele")

            val whoami = cli("call", "people", "/api/whoami", "-H", "X-Caller: ops", *static)
            whoami.out.trim() shouldBe "\"hello ops\""
        }

        test("invoke calls a hosted method over the dispatch channel with JSON arguments; a remote failure exits 1 in one line") {
            val static = arrayOf("--static", "people=${live.address}")
            val saved = cli("invoke", "people", "save", """{"id":7,"name":"Lin"}""", *static)
            saved.exitCode shouldBe 0
            Json
                .parseToJsonElement(saved.out)
                .jsonObject["name"]!!
                .jsonPrimitive.content shouldBe "Lin"
            saved.err shouldContain "people.save: HTTP 200 from ${live.address}"

            val search = cli("invoke", "people", "search", "\"Li\"", "5", *static, "--json").json
            search["path"]!!.jsonPrimitive.content shouldBe "/_dispatch/people/search"
            (search["body"] as JsonArray)
                .single()
                .jsonObject["id"]!!
                .jsonPrimitive.int shouldBe 7
            cli("invoke", "people", "search", "--args", """["Li", 5]""", *static).exitCode shouldBe 0

            val failed = cli("invoke", "people", "fail", "\"boom\"", *static)
            failed.exitCode shouldBe 1
            failed.shouldBeOneLineError()
            failed.err shouldContain "people.fail failed: HTTP 500 InternalError"
            failed.err shouldContain "error id"
        }

        test("health calls /health on every instance and shows a table; exit 1 unless all are UP") {
            val all = cli("health", "people", "--static", "people=${live.address},${sick.address},127.0.0.1:$dead")
            all.exitCode shouldBe 1
            val rows =
                all.out.lines().drop(1).filter { it.isNotBlank() }.associate { line ->
                    line.substringBefore(' ') to
                        line.split(Regex(" {2,}"))
                }
            rows.getValue(live.address)[2] shouldBe "UP"
            rows.getValue(live.address)[5] shouldBe "db=UP"
            rows.getValue(sick.address)[2] shouldBe "DOWN"
            rows.getValue(sick.address)[3] shouldBe "503"
            rows.getValue("127.0.0.1:$dead")[2] shouldBe "UNREACHABLE"
            all.err shouldContain "1 of 3 instance(s) UP"

            val json = cli("health", "people", "--static", "people=${live.address},${sick.address}", "--json").json
            json["instances"]!!.jsonArray.associate {
                it.jsonObject["instance"]!!.jsonPrimitive.content to
                    it.jsonObject["status"]!!.jsonPrimitive.content
            } shouldBe
                mapOf(live.address to "UP", sick.address to "DOWN")

            cli("health", "people", "--static", "people=${live.address}").exitCode shouldBe 0
        }

        test("openapi prints the hosted service's OpenAPI document, or its operations as a table") {
            val document = cli("openapi", "people", "--static", "people=${live.address}")
            document.exitCode shouldBe 0
            val paths = document.json["paths"]!!.jsonObject
            paths.keys shouldContain "/api/people/{id}"
            (document.json["info"] as JsonObject)["title"]!!.jsonPrimitive.content shouldBe "People"

            val operations = cli("openapi", "people", "--operations", "--static", "people=${live.address}")
            operations.out.lines().first() shouldContain "People 1.4.0"
            operations.out.lines().any { it.startsWith("GET") && it.contains("/api/people/{id}") } shouldBe true

            val none = cli("openapi", "people", "--static", "people=${sick.address}")
            none.exitCode shouldBe 1
            none.shouldBeOneLineError()
            none.err shouldContain "publishes no OpenAPI document at /openapi.json"
        }

        test("an unknown service names the known ones and the closest") {
            val result = cli("call", "peple", "/api/instance", *config)
            result.exitCode shouldBe 1
            result.shouldBeOneLineError()
            result.err.trim() shouldBe "switchboard: unknown service 'peple' (known: people; did you mean 'people'?)"
            cli("list", "peple", "--static", "people=${live.address}").err shouldContain "did you mean 'people'?"
        }
    })
