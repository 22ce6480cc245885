package io.switchboard.service

import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldContain
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.delay
import kotlinx.coroutines.future.await
import kotlinx.coroutines.withContext
import kotlinx.coroutines.withTimeout
import java.io.File
import java.io.IOException
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.nio.file.Files
import java.util.concurrent.CopyOnWriteArrayList
import java.util.concurrent.TimeUnit
import kotlin.concurrent.thread

/** A real process stopped by SIGTERM, with no shutdown code of its own: the server's hook drains it. */
class ShutdownSignalTest :
    FunSpec({
        test("SIGTERM: the call in flight completes 200, new calls get 503 while it drains, the child deregisters and exits") {
            val release = Files.createTempDirectory("sigterm").resolve("release")
            val child =
                ProcessBuilder(
                    File(System.getProperty("java.home"), "bin/java").path,
                    "-cp",
                    System.getProperty("java.class.path"),
                    "io.switchboard.service.ShutdownSignalChildKt",
                    release.toString(),
                ).redirectErrorStream(true).start()
            val output = CopyOnWriteArrayList<String>()
            val reader =
                thread(isDaemon = true, name = "child-output") {
                    child.inputStream.bufferedReader().forEachLine {
                        output += it
                        println("[child] $it")
                    }
                }
            try {
                eventually("the child prints its port", 60_000) { output.any { it.startsWith("PORT ") } }
                val port = output.first { it.startsWith("PORT ") }.removePrefix("PORT ").toInt()
                val http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()

                fun call(method: String) =
                    HttpRequest
                        .newBuilder(URI("http://127.0.0.1:$port/_dispatch/held/$method"))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("[]"))
                        .build()

                suspend fun send(method: String): HttpResponse<String> =
                    withContext(Dispatchers.IO) {
                        try {
                            http.send(call(method), HttpResponse.BodyHandlers.ofString())
                        } catch (e: IOException) {
                            throw AssertionError(
                                "a call to $method did not get an answer (was the listener closed before the drain ended?): $e",
                                e,
                            )
                        }
                    }

                send("ping").statusCode() shouldBe 200
                val held = http.sendAsync(call("hold"), HttpResponse.BodyHandlers.ofString())
                eventually("the held call is in the implementation") { output.contains("HOLDING") }

                // SIGTERM on Linux; Process.destroy() would send the same signal but also close our end of the
                // child's stdout, and the drain's output would be lost
                check(child.toHandle().destroy()) { "SIGTERM was not sent" }

                // new calls go on being answered until the hook has deregistered; then 503 (at most 2,000 polls, >= 20 s)
                var answer = send("ping")
                repeat(2_000) {
                    if (answer.statusCode() == 200) {
                        delay(10)
                        answer = send("ping")
                    }
                }
                answer.statusCode() shouldBe 503
                answer.body() shouldContain "\"type\":\"ShuttingDown\""
                // the listener stays open while the call in flight runs: Ktor's own shutdown hook is held back
                repeat(3) { send("ping").statusCode() shouldBe 503 }
                eventually("the child prints its deregistration") { output.contains("DEREGISTERED held 127.0.0.1:$port") }
                child.isAlive shouldBe true

                Files.createFile(release)
                val finished = withTimeout(20_000) { held.await() }
                finished.statusCode() shouldBe 200
                finished.body() shouldBe "\"released\""

                withContext(Dispatchers.IO) { child.waitFor(30, TimeUnit.SECONDS) } shouldBe true
                withContext(Dispatchers.IO) { reader.join(10_000) }
                output shouldContain "STOPPED"
                output.indexOf("DEREGISTERED held 127.0.0.1:$port") shouldBe output.indexOfFirst { it.startsWith("DEREGISTERED") }
                (output.indexOf("DEREGISTERED held 127.0.0.1:$port") < output.indexOf("STOPPED")) shouldBe true
            } finally {
                child.destroyForcibly().waitFor(10, TimeUnit.SECONDS)
            }
        }
    })
