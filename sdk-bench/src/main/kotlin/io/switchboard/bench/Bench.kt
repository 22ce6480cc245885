package io.switchboard.bench

import org.openjdk.jmh.results.RunResult
import org.openjdk.jmh.runner.Runner
import org.openjdk.jmh.runner.options.OptionsBuilder
import java.io.BufferedReader
import java.io.File
import java.io.InputStreamReader
import java.time.LocalDateTime
import java.time.format.DateTimeFormatter
import kotlin.system.exitProcess

/** The run's settings, from `key=value` arguments. */
class Settings(
    args: Map<String, String>,
) {
    init {
        val unknown = args.keys - KEYS
        require(unknown.isEmpty()) { "unknown benchmark setting(s) ${unknown.joinToString()} (known: ${KEYS.joinToString()})" }
    }

    /** Seconds of each throughput measurement. */
    val seconds: Double = args["seconds"]?.toDouble() ?: 10.0

    /** Warm-up seconds before each throughput measurement. */
    val warmup: Double = args["warmup"]?.toDouble() ?: 3.0

    /** Rounds over all contenders; figures are medians over rounds. */
    val rounds: Int = args["rounds"]?.toInt() ?: 3

    /** Sequential calls measured (after as many again, up to 2,000, of warm-up). */
    val sequentialCalls: Int = args["calls"]?.toInt() ?: 5_000

    /** Callers in the throughput scenarios. */
    val concurrency: Int = args["concurrency"]?.toInt() ?: 64

    /**
     * Only the baseline and the contenders whose label contains one of these, comma-separated (all when absent); an
     * entry ending in `$` names one label exactly (`ServiceManager$` without the observability variants).
     */
    val only: List<String>? = args["only"]?.split(',')?.map { it.trim() }

    /** Whether [label] is one [only] picks. */
    fun picks(label: String): Boolean = only == null || only.any { if (it.endsWith("$")) it.dropLast(1) == label else it in label }

    /** Whether one unrecorded pass over all contenders precedes the rounds. */
    val warmupPass: Boolean = args["warmup-pass"]?.toBoolean() ?: true

    /** Whether the baseline runs even when [only] leaves it out (`baseline=false` for profiling one contender). */
    val baseline: Boolean = args["baseline"]?.toBoolean() ?: true

    /** The target's Netty transport: `epoll` (native, when the platform has it) or `nio`. */
    val server: String = args["server"] ?: "epoll"

    /** Parts to skip: any of `http`, `heap`, `jmh`, comma-separated. */
    val skip: Set<String> = args["skip"]?.split(',')?.map { it.trim() }?.toSet() ?: emptySet()

    private companion object {
        val KEYS = setOf("seconds", "warmup", "rounds", "calls", "concurrency", "only", "server", "warmup-pass", "baseline", "skip")
    }

    override fun toString(): String =
        "server=$server rounds=$rounds seconds=$seconds warmup=$warmup calls=$sequentialCalls concurrency=$concurrency" +
            (only?.let { " only=${it.joinToString(",")}" } ?: "") + (if (skip.isEmpty()) "" else " skip=${skip.joinToString(",")}")
}

/** The target JVM: started first, ended last. */
class TargetProcess(
    nio: Boolean,
) : AutoCloseable {
    private val process: Process =
        ProcessBuilder(
            listOfNotNull(
                File(System.getProperty("java.home"), "bin/java").path,
                "-Xms512m",
                "-Xmx512m",
                "-XX:+UseParallelGC",
                if (nio) "-Dio.netty.transport.noNative=true" else null,
                "-cp",
                System.getProperty("java.class.path"),
                "io.switchboard.bench.TargetKt",
            ),
        ).redirectError(ProcessBuilder.Redirect.INHERIT).start()

    /** The instances' ports. */
    val ports: List<Int>

    /** Whether the target's Netty runs on the native epoll transport. */
    val epoll: Boolean

    init {
        val out = BufferedReader(InputStreamReader(process.inputStream))
        val first = out.readLine() ?: error("the target JVM ended before it printed its ports (exit ${process.waitFor()})")
        check(first.startsWith(PORTS_PREFIX)) { "the target JVM printed '$first' instead of its ports" }
        val (ports, epoll) = first.removePrefix(PORTS_PREFIX).split(" ")
        this.ports = ports.split(",").map { it.toInt() }
        this.epoll = epoll == "epoll=true"
        Thread { out.lineSequence().forEach { println("[target] $it") } }.apply { isDaemon = true }.start()
    }

    override fun close() {
        process.outputStream.close()
        if (!process.waitFor(15, java.util.concurrent.TimeUnit.SECONDS)) process.destroyForcibly()
    }
}

private fun parseArgs(args: List<String>): Map<String, String> =
    args.filter { it.isNotBlank() }.associate { arg ->
        val (key, value) = arg.split('=', limit = 2).let { if (it.size == 2) it else error("expected key=value, got '$arg'") }
        key to value
    }

/**
 * The benchmark. Arguments: the output directory, then `key=value` settings (see [Settings]). It starts the target
 * JVM, measures every contender in rounds, then the heap and load-balancer scenarios, and writes `results.md`.
 */
fun main(args: Array<String>) {
    val outDir = File(args.firstOrNull() ?: "target/bench")
    val settings = Settings(parseArgs(args.drop(1).flatMap { it.split(' ') }))
    val started = System.nanoTime()
    val report = Report(settings, CONTENDERS[0].label, HEAP_CONTENDERS[0].label)
    println("Switchboard benchmark: $settings")
    try {
        TargetProcess(nio = settings.server == "nio").use { target ->
            report.target = "3 sdk-server instances on 127.0.0.1:${target.ports.joinToString(",")}, " +
                "Netty ${if (target.epoll) "native epoll" else "NIO"} transport, own JVM (-Xmx512m, ParallelGC)"
            println(report.target)
            if ("http" !in settings.skip) runHttp(settings, target.ports, report)
            if ("heap" !in settings.skip) runHeap(settings, target.ports, report)
        }
        if ("jmh" !in settings.skip) runJmh(report)
    } catch (e: Throwable) {
        e.printStackTrace()
        report.failure = e.toString()
    }
    report.minutes = (System.nanoTime() - started) / 60e9
    outDir.mkdirs()
    val file = File(outDir, "results.md")
    file.writeText(report.render())
    println()
    println(file.readText())
    println("Written to ${file.absolutePath}")
    exitProcess(if (report.failure == null) 0 else 1)
}

private fun runHttp(
    settings: Settings,
    ports: List<Int>,
    report: Report,
) {
    val contenders =
        CONTENDERS.filter { c ->
            (c.label == CONTENDERS[0].label && settings.baseline) || settings.picks(c.label)
        }
    if (settings.warmupPass) warmUp(contenders, ports)
    // the ceiling, when wrk is installed (apt-get install wrk) and not left out by `only`
    val wrk = wrkExecutable()?.takeIf { settings.picks(WRK_LABEL) }
    if (wrk == null) println("wrk is not installed: no ceiling row")
    repeat(settings.rounds) { round ->
        // each round starts at another contender, so that no one always runs first or last
        val shift = round * contenders.size / settings.rounds
        for (contender in contenders.drop(shift) + contenders.take(shift)) {
            println("round ${round + 1}/${settings.rounds}: ${contender.label}")
            val client =
                try {
                    contender.create(ports)
                } catch (e: Exception) {
                    println("  could not start: $e")
                    report.problem(contender.label, "could not start: $e")
                    continue
                }
            try {
                System.gc()
                val warm = minOf(settings.sequentialCalls, 2_000)
                val seqGet = sequential(client, Op.GET, warm, settings.sequentialCalls)
                val seqPost = sequential(client, Op.POST, warm, settings.sequentialCalls)
                System.gc()
                val loadGet = concurrent(client, Op.GET, settings.concurrency, settings.warmup, settings.seconds)
                System.gc()
                val loadPost = concurrent(client, Op.POST, settings.concurrency, settings.warmup, settings.seconds)
                println(
                    "  seq GET p50 %.0f µs p99 %.0f µs %.1f KiB/call | seq POST p50 %.0f µs %.1f KiB/call | c%d GET %.0f/s p99 %.0f µs cpu %.0f µs/call | POST %.0f/s p99 %.0f µs"
                        .format(
                            seqGet.p50,
                            seqGet.p99,
                            seqGet.allocatedPerCall / 1024,
                            seqPost.p50,
                            seqPost.allocatedPerCall / 1024,
                            settings.concurrency,
                            loadGet.perSecond,
                            loadGet.p99,
                            loadGet.cpuPerCall,
                            loadPost.perSecond,
                            loadPost.p99,
                        ),
                )
                report.http(round, contender.label, seqGet, seqPost, loadGet, loadPost)
                val errors = seqGet.errors + seqPost.errors + loadGet.errors + loadPost.errors
                if (errors > 0) report.problem(contender.label, "$errors failed calls in round ${round + 1}")
            } finally {
                (client as AutoCloseable).close()
            }
        }
        if (wrk != null) runWrk(wrk, round, settings, ports, report)
    }
    report.descriptions =
        contenders.associate { it.label to it.description } + (if (wrk != null) mapOf(WRK_LABEL to WRK_DESCRIPTION) else emptyMap())
}

/** The ceiling row: wrk against the first instance, GET and POST, in the round's measured window. */
private fun runWrk(
    wrk: java.io.File,
    round: Int,
    settings: Settings,
    ports: List<Int>,
    report: Report,
) {
    println("round ${round + 1}/${settings.rounds}: $WRK_LABEL")
    val get = wrkLoad(wrk, ports.first(), settings.concurrency, settings.seconds, post = false)
    val post = wrkLoad(wrk, ports.first(), settings.concurrency, settings.seconds, post = true)
    if (get == null || post == null) {
        report.problem(WRK_LABEL, "wrk failed in round ${round + 1}")
        return
    }
    println(
        "  c%d GET %.0f/s p99 %.0f µs | POST %.0f/s p99 %.0f µs".format(
            settings.concurrency,
            get.perSecond,
            get.p99,
            post.perSecond,
            post.p99,
        ),
    )
    val none = Latency(Double.NaN, Double.NaN, 0, Double.NaN)
    report.http(round, WRK_LABEL, none, none, get, post)
}

/** One unrecorded pass over every contender, so that the first round does not pay for JIT compilation. */
private fun warmUp(
    contenders: List<Contender>,
    ports: List<Int>,
) {
    for (contender in contenders) {
        println("warm-up: ${contender.label}")
        val client = runCatching { contender.create(ports) }.getOrNull() ?: continue
        try {
            sequential(client, Op.GET, 0, 500)
            sequential(client, Op.POST, 0, 500)
            concurrent(client, Op.GET, 64, 0.0, 1.0)
            concurrent(client, Op.POST, 64, 0.0, 1.0)
        } finally {
            (client as AutoCloseable).close()
        }
    }
}

private fun runHeap(
    settings: Settings,
    ports: List<Int>,
    report: Report,
) {
    repeat(settings.rounds) { round ->
        for (contender in HEAP_CONTENDERS) {
            val bytes = runCatching { retainedBytes(contender.copies) { contender.create(ports) } }
            bytes.onSuccess {
                println("heap round ${round + 1}: ${contender.label}: ${it / 1024} KiB")
                report.heap(round, contender.label, it)
            }
            bytes.onFailure { report.problem(contender.label, "heap scenario failed: $it") }
        }
    }
}

private fun runJmh(report: Report) {
    val options =
        OptionsBuilder()
            .include(LoadBalancerBenchmark::class.java.name)
            .shouldFailOnError(true)
            .build()
    val results: Collection<RunResult> = Runner(options).run()
    for (result in results) {
        val params = result.params
        val stats = result.primaryResult.getStatistics()
        report.balancer(
            params.getParam("strategy"),
            params.getParam("instances").toInt(),
            BalancerFigure(stats.getPercentile(50.0), stats.min, stats.max),
        )
    }
}

/** When the report was made, for its heading. */
internal fun now(): String = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm"))
