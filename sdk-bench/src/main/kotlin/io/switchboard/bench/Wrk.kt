package io.switchboard.bench

import kotlinx.serialization.json.Json
import java.io.File
import java.util.concurrent.TimeUnit

/** The ceiling row's label. */
const val WRK_LABEL: String = "wrk (ceiling)"

/** What the ceiling row is, for the notes under the table. */
const val WRK_DESCRIPTION: String =
    "wrk -t1 (C, epoll, HTTP/1.1 keep-alive), as many connections as callers, one instance, no decoding: the most the " +
        "target answers here"

/** The `wrk` on the PATH, or null when it is not installed (the row is then left out). */
fun wrkExecutable(): File? =
    System
        .getenv("PATH")
        .orEmpty()
        .split(File.pathSeparatorChar)
        .map { File(it, "wrk") }
        .firstOrNull { it.canExecute() }

/**
 * `GET /hello` (or, for [post], `POST /echo` with the JSON of [ORDER]) from [wrk] with [concurrency] connections
 * for [seconds] against [port]: calls per second and p99 in µs, or null when wrk failed.
 */
fun wrkLoad(
    wrk: File,
    port: Int,
    concurrency: Int,
    seconds: Double,
    post: Boolean,
): Load? {
    val script =
        if (post) {
            File.createTempFile("wrk-post", ".lua").apply {
                deleteOnExit()
                val body = Json.encodeToString(Order.serializer(), ORDER).replace("\\", "\\\\").replace("\"", "\\\"")
                writeText("wrk.method = \"POST\"\nwrk.body = \"$body\"\nwrk.headers[\"Content-Type\"] = \"application/json\"\n")
            }
        } else {
            null
        }
    val command =
        listOf(wrk.path, "-t1", "-c$concurrency", "-d${maxOf(1, seconds.toInt())}s", "--latency") +
            (script?.let { listOf("-s", it.path) } ?: emptyList()) +
            "http://127.0.0.1:$port${if (post) "/echo" else "/hello"}"
    val process = ProcessBuilder(command).redirectErrorStream(true).start()
    val output = process.inputStream.bufferedReader().readText()
    if (!process.waitFor(seconds.toLong() + 30, TimeUnit.SECONDS) || process.exitValue() != 0) return null
    val perSecond =
        Regex("""Requests/sec:\s+([\d.]+)""")
            .find(output)
            ?.groupValues
            ?.get(1)
            ?.toDoubleOrNull() ?: return null
    val p99 = Regex("""99%\s+([\d.]+)(us|ms|s)""").find(output)?.let { micros(it.groupValues[1].toDouble(), it.groupValues[2]) }
    val errors =
        Regex("""Non-2xx or 3xx responses:\s+(\d+)""")
            .find(output)
            ?.groupValues
            ?.get(1)
            ?.toLong() ?: 0L
    return Load(perSecond, p99 ?: Double.NaN, errors, Double.NaN)
}

private fun micros(
    value: Double,
    unit: String,
): Double =
    when (unit) {
        "us" -> value
        "ms" -> value * 1_000
        else -> value * 1_000_000
    }
