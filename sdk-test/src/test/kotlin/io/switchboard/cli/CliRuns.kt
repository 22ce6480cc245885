package io.switchboard.cli

import io.kotest.matchers.collections.shouldHaveSize
import io.kotest.matchers.string.shouldNotContain
import io.kotest.matchers.string.shouldStartWith
import io.switchboard.server.ServiceServer
import io.switchboard.server.host
import io.switchboard.service.People
import io.switchboard.service.PeopleService
import kotlinx.coroutines.delay
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.jsonObject
import java.io.ByteArrayOutputStream
import java.io.PrintStream
import java.net.InetAddress
import java.net.ServerSocket
import java.time.Duration
import kotlin.concurrent.thread

/** What one run of the command line left: its exit code and what it wrote. */
class CliResult(
    val exitCode: Int,
    val out: String,
    val err: String,
) {
    /** Standard output read as one JSON object. */
    val json: JsonObject get() = Json.parseToJsonElement(out).jsonObject

    override fun toString(): String = "exit $exitCode\n--- stdout\n$out--- stderr\n$err"
}

/** Runs `switchboard args` in this JVM, through the same entry point as the executable, with [stdin] as its input. */
fun cli(
    vararg args: String,
    stdin: String = "",
): CliResult {
    val out = ByteArrayOutputStream()
    val err = ByteArrayOutputStream()
    val code =
        Switchboard.run(
            arrayOf(*args),
            PrintStream(out, true, Charsets.UTF_8),
            PrintStream(err, true, Charsets.UTF_8),
            stdin.byteInputStream(),
        )
    return CliResult(code, out.toString(Charsets.UTF_8), err.toString(Charsets.UTF_8))
}

/** A command line run on a thread of its own, for commands that run until stopped (`watch`): its output so far, and its end. */
class RunningCli(
    vararg args: String,
) {
    private val out = ByteArrayOutputStream()
    private val err = ByteArrayOutputStream()

    @Volatile
    private var code: Int? = null
    private val thread =
        thread(name = "cli-${args.firstOrNull()}") {
            code = Switchboard.run(arrayOf(*args), PrintStream(out, true, Charsets.UTF_8), PrintStream(err, true, Charsets.UTF_8))
        }

    /** Standard output so far. */
    val output: String get() = out.toString(Charsets.UTF_8)

    /** Waits until standard output holds [text], checking every 20 ms; fails with what was printed after [timeout]. */
    suspend fun awaitOutput(
        text: String,
        timeout: Duration = Duration.ofSeconds(20),
    ) {
        val deadline = System.nanoTime() + timeout.toNanos()
        while (!output.contains(text)) {
            check(thread.isAlive || output.contains(text)) {
                "the command ended (exit $code) without printing '$text':\n$output\n${err.toString(Charsets.UTF_8)}"
            }
            check(System.nanoTime() < deadline) { "'$text' not printed within $timeout:\n$output\n${err.toString(Charsets.UTF_8)}" }
            delay(20)
        }
    }

    /** Interrupts the run, as Ctrl-C ends a watch. */
    fun interrupt() = thread.interrupt()

    /** Waits for the end, at most [timeout]. */
    fun await(timeout: Duration = Duration.ofSeconds(20)): CliResult {
        thread.join(timeout.toMillis())
        check(!thread.isAlive) { "the command did not end within $timeout:\n$output" }
        return CliResult(code!!, output, err.toString(Charsets.UTF_8))
    }
}

/** A loopback port nothing listens on: calls to it are refused. */
fun closedPort(): Int = ServerSocket(0, 0, InetAddress.getLoopbackAddress()).use { it.localPort }

/** A started `ServiceServer` hosting `people` (whose `/api/instance` answers [name]), on a free loopback port. */
fun peopleServer(
    name: String,
    healthy: Boolean = true,
    openApi: Boolean = false,
): ServiceServer =
    ServiceServer {
        host<PeopleService>(People(name))
        healthCheck("db", { healthy })
        if (openApi) {
            openApi(
                io.switchboard.server.openapi.OpenApiSettings
                    .builder()
                    .title("People")
                    .version("1.4.0")
                    .build(),
            )
        }
        drainQuietPeriod(Duration.ZERO)
        shutdownHook(false)
    }.startAsync().join()

/** The address `host:port` of [server]'s instance. */
val ServiceServer.address: String get() = instances[0].address

/** A usage or failure report: one line on standard error, no stack trace, nothing on standard output but [out]. */
fun CliResult.shouldBeOneLineError() {
    err.lines().filter { it.isNotBlank() } shouldHaveSize 1
    err shouldStartWith "switchboard: "
    err shouldNotContain "\tat "
    err shouldNotContain "Exception"
}
