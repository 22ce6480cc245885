package io.switchboard.cli

import io.kotest.core.spec.style.FunSpec
import io.kotest.engine.spec.tempdir
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.kotest.matchers.string.shouldStartWith
import java.io.File
import java.nio.file.Files
import java.util.concurrent.TimeUnit

/** Wrong input ends in one line that says what to fix, exit code 2 (usage) or 1 (a failure), never a stack trace. */
class CliBadInputTest :
    FunSpec({
        val static = arrayOf("--static", "people=127.0.0.1:${closedPort()}")

        test("no command prints the usage and exits 2") {
            val result = cli()
            result.exitCode shouldBe 2
            result.err shouldContain "Usage: switchboard"
            result.err shouldContain "call"
        }

        test("an unknown command names the commands and the closest one") {
            val result = cli("lst")
            result.exitCode shouldBe 2
            result.shouldBeOneLineError()
            result.err.trim() shouldBe
                "switchboard: unknown command 'lst' (commands: list, call, invoke, watch, health, openapi; did you mean 'list'?)"
        }

        test("a missing argument or an unknown option exits 2 pointing at the command's help") {
            val missing = cli("call", "people", *static)
            missing.exitCode shouldBe 2
            missing.shouldBeOneLineError()
            missing.err shouldContain "switchboard call: missing required parameter: 'PATH'"
            missing.err shouldContain "see 'switchboard call --help'"

            val unknown = cli("call", "people", "/x", "--methd", "GET", *static)
            unknown.exitCode shouldBe 2
            unknown.shouldBeOneLineError()
            unknown.err shouldContain "unknown option '--methd'"
            unknown.err shouldContain "did you mean '--method'?"

            val duration = cli("call", "people", "/x", "--timeout", "soon", *static)
            duration.exitCode shouldBe 2
            duration.shouldBeOneLineError()
            duration.err shouldContain "expected: a duration such as 500ms, 2s, 1m"
        }

        test("a malformed JSON body or argument exits 2 before anything is sent") {
            val body = cli("call", "people", "/api/people", "-d", """{"id": 1,""", *static)
            body.exitCode shouldBe 2
            body.shouldBeOneLineError()
            body.err shouldStartWith "switchboard: --data is not JSON"

            val stdin = cli("call", "people", "/api/people", "-d", "@-", *static, stdin = "not json")
            stdin.exitCode shouldBe 2
            stdin.shouldBeOneLineError()

            val argument = cli("invoke", "people", "find", "Ada", *static)
            argument.exitCode shouldBe 2
            argument.shouldBeOneLineError()
            argument.err shouldContain "argument 1 ('Ada') is not JSON"
            argument.err shouldContain "'\"Ada\"'"

            val file = cli("call", "people", "/api/people", "-d", "@/no/such/body.json", *static)
            file.exitCode shouldBe 2
            file.err.trim() shouldBe "switchboard: --data @/no/such/body.json: no such file"
        }

        test("bad registry options and configuration exit 2, naming the option, file, line and key") {
            val list = cli("list", "--static", "people=somewhere")
            list.exitCode shouldBe 2
            list.shouldBeOneLineError()
            list.err shouldContain "'somewhere' is not HOST:PORT"

            cli("list", "--nacos", "127.0.0.1:1", "--zookeeper", "127.0.0.1:2").err.trim() shouldBe
                "switchboard: --nacos and --zookeeper: choose one registry"

            val folder = tempdir().toPath()
            cli("list", "--config", folder.resolve("missing.yaml").toString()).err shouldContain "no such file or folder"
            Files.writeString(folder.resolve("application.yaml"), "service-caller:\n  lb-type: fastest\n")
            val config = cli("list", "--config", folder.toString())
            config.exitCode shouldBe 2
            config.shouldBeOneLineError()
            config.err shouldContain "application.yaml:2:12: service-caller.lb-type: 'fastest'"
        }

        test("the executable's main exits the process with the command's code") {
            val javaBinary = File(System.getProperty("java.home"), "bin/java").path
            val child =
                ProcessBuilder(javaBinary, "-cp", System.getProperty("java.class.path"), "io.switchboard.cli.MainKt", "lst")
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start()
            val err = child.errorStream.bufferedReader().readText()
            child.waitFor(30, TimeUnit.SECONDS) shouldBe true
            child.exitValue() shouldBe 2
            err.trim() shouldStartWith "switchboard: unknown command 'lst'"
        }

        test("an unreachable registry exits 1 in one line naming its address") {
            val port = closedPort()
            val started = System.nanoTime()
            val result = cli("list", "--zookeeper", "127.0.0.1:$port", "--registry-timeout", "1s")
            result.exitCode shouldBe 1
            result.shouldBeOneLineError()
            result.err shouldStartWith "switchboard: cannot reach the registry (zookeeper 127.0.0.1:$port)"
            println("unreachable ZooKeeper reported after ${(System.nanoTime() - started) / 1_000_000} ms")
        }
    })
