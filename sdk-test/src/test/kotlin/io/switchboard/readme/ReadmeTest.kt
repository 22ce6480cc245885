package io.switchboard.readme

import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.switchboard.test.TestHttpServer
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

        fun snippet(file: String): String {
            val lines = Files.readAllLines(root.resolve(file))
            val begin = lines.indexOfFirst { it.contains("README:begin") }
            val end = lines.indexOfFirst { it.contains("README:end") }
            val body = lines.subList(begin + 1, end)
            val indent = body.filter { it.isNotBlank() }.minOf { line -> line.takeWhile { it == ' ' }.length }
            return body.joinToString("\n") { it.drop(indent) }
        }

        test("the Kotlin quick start in the README is the tested one") {
            readme shouldContain "```kotlin\n" + snippet("sdk-test/src/test/kotlin/io/switchboard/readme/Hello.kt") + "\n```"
        }

        test("the Java quick start in the README is the tested one") {
            readme shouldContain "```java\n" + snippet("sdk-test/src/test/java/io/switchboard/readme/JavaQuickStart.java") + "\n```"
        }

        test("the Kotlin quick start calls a loopback server") {
            TestHttpServer.start("quick-kotlin").use { server ->
                callHello(server.port) shouldBe Hello("OK", "quick-kotlin")
            }
        }
    })
