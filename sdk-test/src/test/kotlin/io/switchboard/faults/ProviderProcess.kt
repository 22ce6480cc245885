package io.switchboard.faults

import io.switchboard.test.nacos.WatchedMain
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.delay
import kotlinx.coroutines.withContext
import java.io.File
import java.nio.file.Files
import java.nio.file.Path
import java.util.concurrent.TimeUnit

/**
 * A provider JVM of [ProcessFaultTest] (main in `FaultProviderChild.kt`), its output in a file so that a
 * signal never cuts the test off from it. [close] resumes a frozen process and kills it.
 */
class ProviderProcess private constructor(
    /** The name the provider answers with. */
    val name: String,
    private val process: Process,
    private val log: Path,
    private val go: Path?,
) : AutoCloseable {
    @Volatile
    private var frozen = false

    /** The process id, for signals. */
    val pid: Long get() = process.pid()

    /** Whether the process is running. */
    val isAlive: Boolean get() = process.isAlive

    /** The port it listens on, once [awaitPort] returned. */
    @Volatile
    var port: Int = 0
        private set

    /** Lets a provider launched held start its server (listen and register) now. */
    fun start() {
        Files.createFile(checkNotNull(go) { "$name was not launched held" })
    }

    /** Waits until the provider printed its port (it is then registered in Nacos); fails after [millis]. */
    suspend fun awaitPort(millis: Long = 60_000): Int {
        val deadline = System.nanoTime() + millis * 1_000_000
        while (true) {
            val line = output().firstOrNull { it.startsWith("PORT ") }
            if (line != null) {
                return line
                    .removePrefix("PORT ")
                    .trim()
                    .toInt()
                    .also { port = it }
            }
            check(process.isAlive) { "provider $name exited (${process.exitValue()}) before printing its port; its output:\n${tail()}" }
            check(System.nanoTime() < deadline) { "provider $name printed no port within $millis ms; its output:\n${tail()}" }
            delay(20)
        }
    }

    /** SIGKILL: the process dies at once, its sockets closed by the kernel. */
    fun kill() {
        process.destroyForcibly()
    }

    /** SIGTERM, as a rolling restart sends it. */
    fun terminate() {
        process.destroy()
    }

    /** SIGSTOP: the process is frozen; its sockets stay open and the kernel goes on accepting connections. */
    fun freeze() {
        signal("STOP")
        frozen = true
    }

    /** SIGCONT: a frozen process runs again. */
    fun resume() {
        if (!frozen) return
        signal("CONT")
        frozen = false
    }

    /** Waits until the process exited; its exit code, or null if it still runs after [millis]. */
    suspend fun awaitExit(millis: Long): Int? =
        withContext(Dispatchers.IO) {
            if (process.waitFor(millis, TimeUnit.MILLISECONDS)) process.exitValue() else null
        }

    /** The last lines of its output, for failure messages. */
    fun tail(lines: Int = 40): String = output().takeLast(lines).joinToString("\n")

    private fun output(): List<String> = if (Files.exists(log)) Files.readAllLines(log) else emptyList()

    private fun signal(name: String) {
        val kill = ProcessBuilder("kill", "-$name", pid.toString()).redirectErrorStream(true).start()
        check(kill.waitFor(10, TimeUnit.SECONDS) && kill.exitValue() == 0) {
            "kill -$name $pid failed: ${kill.inputStream.bufferedReader().readText()}"
        }
    }

    override fun close() {
        runCatching { resume() }
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS)
    }

    override fun toString(): String = "provider $name (pid $pid, port $port)"

    companion object {
        /**
         * Starts a provider named [name] that registers in the Nacos at [serverAddr], in [group]; its output goes
         * to a file in [dir]. A [held] provider boots, but starts its server only on [start].
         */
        fun launch(
            serverAddr: String,
            group: String,
            name: String,
            dir: Path,
            held: Boolean = false,
        ): ProviderProcess {
            val log = dir.resolve("$name.log")
            val go = if (held) dir.resolve("$name.go") else null
            val process =
                ProcessBuilder(
                    File(System.getProperty("java.home"), "bin/java").path,
                    "-Xmx128m",
                    "-XX:+UseSerialGC",
                    "-XX:TieredStopAtLevel=1",
                    "-cp",
                    System.getProperty("java.class.path"),
                    // ends the provider if this JVM dies without cleaning up
                    WatchedMain::class.java.name,
                    ProcessHandle.current().pid().toString(),
                    "io.switchboard.faults.FaultProviderChildKt",
                    serverAddr,
                    group,
                    name,
                    *listOfNotNull(go?.toString()).toTypedArray(),
                ).redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start()
            return ProviderProcess(name, process, log, go)
        }
    }
}
