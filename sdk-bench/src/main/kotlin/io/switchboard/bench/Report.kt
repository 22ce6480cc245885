package io.switchboard.bench

import java.io.File

/** One load-balancer figure from JMH: nanoseconds per choice, median and range over the measurement iterations. */
data class BalancerFigure(
    val median: Double,
    val min: Double,
    val max: Double,
)

private const val SEQ_GET_P50 = "seq GET p50"
private const val SEQ_GET_P99 = "seq GET p99"
private const val SEQ_POST_P50 = "seq POST p50"
private const val SEQ_GET_ALLOC = "seq GET alloc"
private const val SEQ_POST_ALLOC = "seq POST alloc"
private const val LOAD_GET = "GET/s"
private const val LOAD_GET_P99 = "GET p99"
private const val LOAD_POST = "POST/s"
private const val LOAD_POST_P99 = "POST p99"
private const val LOAD_GET_CPU = "GET cpu"
private const val LOAD_POST_CPU = "POST cpu"

private const val MANAGER = "ServiceManager"
private const val RETROFIT = "Retrofit + OkHttp"
private const val FEIGN = "OpenFeign + LoadBalancer"
private const val DISPATCH_JSON = "proxy dispatch-json"
private const val METERED = "ServiceManager + metrics"
private const val TRACED = "ServiceManager + metrics + tracing"

/** Everything one run measured, and its rendering as Markdown: figures, ratios to the baseline, targets. */
class Report(
    private val settings: Settings,
    /** The label of the HTTP baseline. */
    private val baselineLabel: String,
    /** The label of the heap baseline. */
    private val heapBaselineLabel: String,
) {
    /** The target's description. */
    var target: String = "?"

    /** Why the run stopped early, if it did. */
    var failure: String? = null

    /** How long the run took. */
    var minutes: Double = 0.0

    /** What each contender is. */
    var descriptions: Map<String, String> = emptyMap()

    // contender -> metric -> round -> value
    private val http = LinkedHashMap<String, MutableMap<String, MutableMap<Int, Double>>>()
    private val heap = LinkedHashMap<String, MutableMap<Int, Double>>()
    private val balancers = LinkedHashMap<String, MutableMap<Int, BalancerFigure>>()
    private val problems = ArrayList<String>()

    /** Records one round of one contender. */
    fun http(
        round: Int,
        label: String,
        seqGet: Latency,
        seqPost: Latency,
        loadGet: Load,
        loadPost: Load,
    ) {
        val metrics = http.getOrPut(label) { LinkedHashMap() }

        fun put(
            metric: String,
            value: Double,
        ) {
            metrics.getOrPut(metric) { HashMap() }[round] = value
        }
        put(SEQ_GET_P50, seqGet.p50)
        put(SEQ_GET_P99, seqGet.p99)
        put(SEQ_POST_P50, seqPost.p50)
        put(SEQ_GET_ALLOC, seqGet.allocatedPerCall / 1024)
        put(SEQ_POST_ALLOC, seqPost.allocatedPerCall / 1024)
        put(LOAD_GET, loadGet.perSecond)
        put(LOAD_GET_P99, loadGet.p99)
        put(LOAD_POST, loadPost.perSecond)
        put(LOAD_POST_P99, loadPost.p99)
        put(LOAD_GET_CPU, loadGet.cpuPerCall)
        put(LOAD_POST_CPU, loadPost.cpuPerCall)
    }

    /** Records one heap measurement. */
    fun heap(
        round: Int,
        label: String,
        bytes: Long,
    ) {
        heap.getOrPut(label) { HashMap() }[round] = bytes.toDouble()
    }

    /** Records one load-balancer figure. */
    fun balancer(
        strategy: String,
        instances: Int,
        figure: BalancerFigure,
    ) {
        balancers.getOrPut(strategy) { LinkedHashMap() }[instances] = figure
    }

    /** Notes something that went wrong without stopping the run. */
    fun problem(
        label: String,
        what: String,
    ) {
        problems += "$label: $what"
    }

    private fun values(
        label: String,
        metric: String,
    ): Map<Int, Double> = http[label]?.get(metric) ?: emptyMap()

    /** Per-round ratios of [a] to [b] for [metric], over the rounds both have. */
    private fun ratios(
        a: String,
        b: String,
        metric: String,
    ): List<Double> {
        val x = values(a, metric)
        val y = values(b, metric)
        return x.keys
            .filter { it in y }
            .map { x.getValue(it) / y.getValue(it) }
            .filter { it.isFinite() }
    }

    private fun baseline(): String = baselineLabel

    /** Renders the whole report. */
    fun render(): String =
        buildString {
            appendLine("## Switchboard benchmark, ${now()}")
            appendLine()
            appendLine("- Machine: ${machine()}")
            appendLine("- Target: $target")
            appendLine("- Settings: $settings; ${"%.1f".format(minutes)} minutes")
            appendLine(
                "- Each figure is the median over rounds (min–max in brackets); each ratio is taken within a round " +
                    "against that round's baseline, then the median (min–max) over rounds.",
            )
            failure?.let { appendLine("- **The run stopped early:** $it") }
            problems.forEach { appendLine("- **Problem:** $it") }
            appendLine()
            if (http.isNotEmpty()) renderHttp(this)
            if (heap.isNotEmpty()) renderHeap(this)
            if (balancers.isNotEmpty()) renderBalancers(this)
            renderTargets(this)
        }

    private fun renderHttp(out: StringBuilder) {
        val base = baseline()
        out.appendLine(
            "### Sequential calls, one caller (µs, and KiB allocated per call by every thread of the client JVM; " +
                "ratio to the baseline, lower is better)",
        )
        out.appendLine()
        out.appendLine("| client | GET p50 | × | GET p99 | × | POST p50 (1 KB nested) | × | GET alloc/call | POST alloc/call |")
        out.appendLine("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
        for (label in http.keys) {
            out.append("| $label |")
            for (metric in listOf(SEQ_GET_P50, SEQ_GET_P99, SEQ_POST_P50)) {
                out.append(" ${figure(values(label, metric).values, "%.0f")} | ${ratio(ratios(label, base, metric))} |")
            }
            for (metric in listOf(SEQ_GET_ALLOC, SEQ_POST_ALLOC)) out.append(" ${figure(values(label, metric).values, "%.1f")} KiB |")
            out.appendLine()
        }
        out.appendLine()
        out.appendLine(
            "### ${settings.concurrency} concurrent callers, ${settings.seconds.toInt()} s after ${settings.warmup.toInt()} s of warm-up " +
                "(calls/s, ratio higher is better; p99 in µs; the client JVM's CPU per call in the measured window)",
        )
        out.appendLine()
        out.appendLine(
            "| client | GET/s | × | GET p99 | GET client CPU/call | POST/s (1 KB nested) | × | POST p99 | POST client CPU/call |",
        )
        out.appendLine("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
        for (label in http.keys) {
            out.append("| $label |")
            out.append(" ${figure(values(label, LOAD_GET).values, "%,.0f")} | ${ratio(ratios(label, base, LOAD_GET))} |")
            out.append(" ${figure(values(label, LOAD_GET_P99).values, "%,.0f")} |")
            out.append(" ${figure(values(label, LOAD_GET_CPU).values, "%,.0f")} µs |")
            out.append(" ${figure(values(label, LOAD_POST).values, "%,.0f")} | ${ratio(ratios(label, base, LOAD_POST))} |")
            out.append(" ${figure(values(label, LOAD_POST_P99).values, "%,.0f")} |")
            out.append(" ${figure(values(label, LOAD_POST_CPU).values, "%,.0f")} µs |")
            out.appendLine()
        }
        out.appendLine()
        out.appendLine("Clients:")
        out.appendLine()
        descriptions.forEach { (label, description) -> out.appendLine("- **$label**: $description") }
        out.appendLine()
    }

    private fun renderHeap(out: StringBuilder) {
        val base = heapBaselineLabel
        out.appendLine("### Heap retained by one idle client (KiB after full GCs, several copies measured together; ratio to the baseline)")
        out.appendLine()
        out.appendLine("| client | KiB | × |")
        out.appendLine("| --- | --- | --- |")
        val baseValues = heap[base] ?: emptyMap()
        for ((label, values) in heap) {
            val perRound = values.keys.filter { it in baseValues }.map { values.getValue(it) / baseValues.getValue(it) }
            out.appendLine("| $label | ${figure(values.values.map { it / 1024 }, "%,.0f")} | ${ratio(perRound)} |")
        }
        out.appendLine()
    }

    private fun renderBalancers(out: StringBuilder) {
        val sizes =
            balancers.values
                .flatMap { it.keys }
                .distinct()
                .sorted()
        val base = balancers["round_robin"]
        out.appendLine("### Load-balancer choice (JMH, ns per choice, one thread; median of 5 iterations (min–max); ratio to round_robin)")
        out.appendLine()
        out.appendLine("| strategy | " + sizes.joinToString(" | ") { "%,d instances | ×".format(it) } + " |")
        out.appendLine("| --- |" + " --- | --- |".repeat(sizes.size))
        for ((strategy, figures) in balancers) {
            out.append("| $strategy |")
            for (size in sizes) {
                val f = figures[size]
                val b = base?.get(size)
                if (f == null) {
                    out.append(" – | – |")
                } else {
                    out.append(" %.1f (%.1f–%.1f) |".format(f.median, f.min, f.max))
                    out.append(if (b == null) " – |" else " %.2f× |".format(f.median / b.median))
                }
            }
            out.appendLine()
        }
        out.appendLine()
    }

    private fun renderTargets(out: StringBuilder) {
        out.appendLine("### Targets")
        out.appendLine()
        out.appendLine("| target | measured | |")
        out.appendLine("| --- | --- | --- |")

        fun row(
            name: String,
            values: List<Double>,
            met: (Double) -> Boolean,
            unit: String = "×",
        ) {
            val finite = values.filter { it.isFinite() }
            if (finite.isEmpty()) return
            val shown = if (unit == "×") ratio(finite) else "${figure(finite, "%.0f")} $unit"
            // the median decides; the rounds say how firmly
            val verdict =
                when {
                    met(median(finite)) && finite.all(met) -> "met in every round"
                    met(median(finite)) -> "met in the median, not in every round"
                    finite.any(met) -> "**missed** in the median (met in some rounds)"
                    else -> "**missed** in every round"
                }
            out.appendLine("| $name | $shown | $verdict |")
        }
        row(
            "ServiceManager ≥ 1.5× Retrofit + OkHttp, GET/s at c${settings.concurrency}",
            ratios(MANAGER, RETROFIT, LOAD_GET),
            { it >= 1.5 },
        )
        row(
            "ServiceManager ≥ 1.2× Retrofit + OkHttp, POST/s at c${settings.concurrency}",
            ratios(MANAGER, RETROFIT, LOAD_POST),
            { it >= 1.2 },
        )
        row("ServiceManager client CPU per GET ≤ 1.0× Retrofit + OkHttp's", ratios(MANAGER, RETROFIT, LOAD_GET_CPU), { it <= 1.0 })
        row("ServiceManager sequential GET p50 ≤ 1.0× Retrofit + OkHttp", ratios(MANAGER, RETROFIT, SEQ_GET_P50), { it <= 1.0 })
        row("ServiceManager ≥ 2× OpenFeign + LoadBalancer, GET/s", ratios(MANAGER, FEIGN, LOAD_GET), { it >= 2.0 })
        row("ServiceManager + metrics ≥ 0.95× ServiceManager, GET/s", ratios(METERED, MANAGER, LOAD_GET), { it >= 0.95 })
        row("ServiceManager + metrics + tracing (100% sampled) ≥ 0.90× ServiceManager, GET/s", ratios(TRACED, MANAGER, LOAD_GET), {
            it >= 0.90
        })
        row("proxy dispatch-json ≥ 0.9× ServiceManager, GET/s", ratios(DISPATCH_JSON, MANAGER, LOAD_GET), { it >= 0.9 })
        row("dispatch round trip p50 ≤ 100 µs (dispatch-json, sequential GET)", values(DISPATCH_JSON, SEQ_GET_P50).values.toList(), {
            it <= 100.0
        }, "µs")
        for (binary in listOf("proxy dispatch-msgpack", "proxy dispatch-protobuf")) {
            row("${binary.removePrefix("proxy ")} ≥ 1.2× dispatch-json, nested POST/s", ratios(binary, DISPATCH_JSON, LOAD_POST), {
                it >=
                    1.2
            })
        }
        val worst = balancers.mapNotNull { (strategy, f) -> f[10_000]?.let { strategy to it } }.maxByOrNull { it.second.median }
        if (worst != null) {
            val (strategy, f) = worst
            out.appendLine(
                "| load-balancer choice ≤ 1 µs at 10,000 instances (slowest: $strategy) | %.0f ns | %s |"
                    .format(f.median, if (f.max <= 1_000) "met in every iteration" else "**missed**"),
            )
        }
        out.appendLine()
    }
}

private fun median(values: Collection<Double>): Double {
    val sorted = values.sorted()
    val n = sorted.size
    return if (n % 2 == 1) sorted[n / 2] else (sorted[n / 2 - 1] + sorted[n / 2]) / 2
}

private fun figure(
    all: Collection<Double>,
    format: String,
): String {
    // NaN: a measurement in which no call succeeded
    val values = all.filter { it.isFinite() }
    if (values.isEmpty()) return "–"
    val m = format.format(median(values))
    return if (values.size == 1) m else "$m (${format.format(values.min())}–${format.format(values.max())})"
}

private fun ratio(values: List<Double>): String {
    if (values.isEmpty()) return "–"
    val m = "%.2f×".format(median(values))
    return if (values.size == 1) m else "$m (%.2f–%.2f)".format(values.min(), values.max())
}

/** A one-line description of this machine. */
fun machine(): String {
    val cpu =
        runCatching {
            File("/proc/cpuinfo")
                .readLines()
                .firstOrNull { it.startsWith("model name") }
                ?.substringAfter(':')
                ?.trim()
        }.getOrNull() ?: System.getProperty("os.arch")
    val memory =
        runCatching {
            File("/proc/meminfo")
                .readLines()
                .first { it.startsWith("MemTotal") }
                .filter(Char::isDigit)
                .toLong() / 1024 / 1024
        }.getOrNull()
    return "${Runtime.getRuntime().availableProcessors()} cores ($cpu)" +
        (memory?.let { ", $it GiB" } ?: "") +
        ", ${System.getProperty("os.name")} ${System.getProperty("os.version")}" +
        ", JDK ${System.getProperty("java.vm.version")} (${System.getProperty("java.vm.name")})"
}
