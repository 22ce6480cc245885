package io.switchboard.bench

import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import org.HdrHistogram.Histogram
import java.lang.management.ManagementFactory
import java.util.concurrent.CountDownLatch
import java.util.concurrent.Executors
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicLong

/** What a scenario calls. */
enum class Op { GET, POST }

/** Latency percentiles of one measurement, in microseconds, the calls that failed, and the bytes allocated per call. */
data class Latency(
    val p50: Double,
    val p99: Double,
    val errors: Long,
    /** Bytes allocated on the heap per call, by every thread of this (client) process, over the measured calls. */
    val allocatedPerCall: Double,
)

/** Throughput of one measurement (calls completed per second), its p99 latency in microseconds, and failures. */
data class Load(
    val perSecond: Double,
    val p99: Double,
    val errors: Long,
    /** Microseconds of this (client) process's CPU per call completed in the measured window. */
    val cpuPerCall: Double,
)

private val os = ManagementFactory.getOperatingSystemMXBean() as com.sun.management.OperatingSystemMXBean
private val threads = ManagementFactory.getThreadMXBean() as com.sun.management.ThreadMXBean

/** The bytes each live thread of this process has allocated so far (event loops and pools included), by thread id. */
private fun allocatedBytes(): Map<Long, Long> {
    val ids = threads.allThreadIds
    val bytes = threads.getThreadAllocatedBytes(ids)
    return ids.indices.filter { bytes[it] >= 0 }.associate { ids[it] to bytes[it] }
}

/** What the threads allocated since [before]: threads started since count whole, threads ended since are lost. */
private fun allocatedSince(before: Map<Long, Long>): Long = allocatedBytes().entries.sumOf { (id, now) -> now - (before[id] ?: 0L) }

/** A percentile in microseconds; NaN (shown as "–") when no call succeeded. */
private fun Histogram.micros(percentile: Double): Double = if (totalCount == 0L) Double.NaN else getValueAtPercentile(percentile) / 1_000.0

/** Whether [block] throws: a failed call counts as an error, not as a latency. */
private inline fun fails(block: () -> Unit): Boolean =
    try {
        block()
        false
    } catch (e: Exception) {
        true
    }

/** One call of [client] (a [SuspendingClient] or a [BlockingClient]). */
private suspend fun call(
    client: Any,
    op: Op,
): Any =
    when (client) {
        is SuspendingClient -> if (op == Op.GET) client.get() else client.post()
        is BlockingClient -> if (op == Op.GET) client.get() else client.post()
        else -> error("not a benchmark client: ${client::class}")
    }

private fun callBlocking(
    client: BlockingClient,
    op: Op,
): Any = if (op == Op.GET) client.get() else client.post()

/** [count] calls one after another, after [warmup] unrecorded ones. */
fun sequential(
    client: Any,
    op: Op,
    warmup: Int,
    count: Int,
): Latency {
    val histogram = Histogram(3)
    var errors = 0L
    var allocated = 0L
    var before = emptyMap<Long, Long>()
    if (client is BlockingClient) {
        repeat(warmup) { runCatching { callBlocking(client, op) } }
        before = allocatedBytes()
        repeat(count) {
            val start = System.nanoTime()
            try {
                callBlocking(client, op)
                histogram.recordValue(System.nanoTime() - start)
            } catch (e: Exception) {
                errors++
            }
        }
        allocated = allocatedSince(before)
    } else {
        runBlocking {
            repeat(warmup) { runCatching { call(client, op) } }
            before = allocatedBytes()
            repeat(count) {
                val start = System.nanoTime()
                try {
                    call(client, op)
                    histogram.recordValue(System.nanoTime() - start)
                } catch (e: Exception) {
                    errors++
                }
            }
            allocated = allocatedSince(before)
        }
    }
    return Latency(histogram.micros(50.0), histogram.micros(99.0), errors, allocated.toDouble() / count)
}

/**
 * [concurrency] callers calling in a loop: coroutines on `Dispatchers.Default` for a [SuspendingClient], platform
 * threads for a [BlockingClient]. Calls that start during the first [warmupSeconds] are not recorded; the
 * throughput counts the calls that started and completed in the [seconds] after that.
 */
fun concurrent(
    client: Any,
    op: Op,
    concurrency: Int,
    warmupSeconds: Double,
    seconds: Double,
): Load {
    val begin = System.nanoTime()
    val measureFrom = begin + (warmupSeconds * 1e9).toLong()
    val end = measureFrom + (seconds * 1e9).toLong()
    val histograms = List(concurrency) { Histogram(3) }
    val errors = AtomicLong()
    // the process's CPU time at the start and the end of the measured window, sampled by a watcher thread
    val cpu = LongArray(2)
    val watcher =
        Thread {
            fun sleepUntil(nanos: Long) {
                val wait = nanos - System.nanoTime()
                if (wait > 0) Thread.sleep(wait / 1_000_000, (wait % 1_000_000).toInt())
            }
            sleepUntil(measureFrom)
            cpu[0] = os.processCpuTime
            sleepUntil(end)
            cpu[1] = os.processCpuTime
        }.apply {
            isDaemon = true
            start()
        }

    fun record(
        worker: Int,
        start: Long,
        failed: Boolean,
    ) {
        val now = System.nanoTime()
        if (start < measureFrom || now > end) return
        if (failed) errors.incrementAndGet() else histograms[worker].recordValue(now - start)
    }
    if (client is BlockingClient) {
        val pool = Executors.newFixedThreadPool(concurrency)
        val done = CountDownLatch(concurrency)
        repeat(concurrency) { worker ->
            pool.execute {
                while (System.nanoTime() < end) {
                    val start = System.nanoTime()
                    val failed = fails { callBlocking(client, op) }
                    record(worker, start, failed)
                }
                done.countDown()
            }
        }
        done.await()
        pool.shutdown()
        pool.awaitTermination(10, TimeUnit.SECONDS)
    } else {
        runBlocking(Dispatchers.Default) {
            repeat(concurrency) { worker ->
                launch {
                    while (System.nanoTime() < end) {
                        val start = System.nanoTime()
                        val failed = fails { call(client, op) }
                        record(worker, start, failed)
                    }
                }
            }
        }
    }
    val all = Histogram(3)
    histograms.forEach(all::add)
    watcher.join()
    val calls = all.totalCount + errors.get()
    val cpuPerCall = if (calls == 0L) Double.NaN else (cpu[1] - cpu[0]) / 1_000.0 / calls
    return Load(all.totalCount / seconds, all.micros(99.0), errors.get(), cpuPerCall)
}
