package io.switchboard.server

import io.ktor.http.ContentType
import io.ktor.http.HttpStatusCode
import io.ktor.server.application.ApplicationCall
import io.ktor.server.response.respondText
import kotlinx.coroutines.future.await
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.JsonPrimitive
import org.slf4j.LoggerFactory
import java.time.Duration
import java.util.concurrent.CompletableFuture
import java.util.concurrent.ExecutorService
import java.util.concurrent.LinkedBlockingQueue
import java.util.concurrent.ThreadPoolExecutor
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicInteger

/**
 * Runs a [ServiceServer]'s health checks and answers `GET /health` with
 * `{"status":"UP"|"DOWN","checks":{name:{"status":…,"millis":…,"detail":…}}}`, 200 when every check passed,
 * 503 otherwise.
 *
 * The checks run at once, on a pool of their own with a thread per check (they may block; they never hold a thread
 * that serves calls), each within a hard limit: its `failIfSlowerThan`, else [DEFAULT_LIMIT]. A check that has not answered
 * by then is DOWN; while it still hangs it is not started again, so a hung check holds one thread, not one per
 * request. A check that throws is DOWN with the exception logged; the answer names the exception only when
 * [exposeDetails] is set (its message may hold secrets).
 */
internal class HealthEndpoint(
    private val checks: List<HealthCheckRegistration>,
    private val exposeDetails: Boolean,
) {
    private val threads = AtomicInteger()

    // idle threads end after a minute: nothing to close, and a server stopped and started again keeps its checks
    private val pool: ExecutorService by lazy {
        // a thread per check: a few hung checks never queue the healthy ones behind them
        val size = checks.size.coerceIn(1, MAX_THREADS)
        ThreadPoolExecutor(size, size, 1, TimeUnit.MINUTES, LinkedBlockingQueue()) { task ->
            Thread(task, "switchboard-health-${threads.incrementAndGet()}").apply { isDaemon = true }
        }.apply { allowCoreThreadTimeOut(true) }
    }

    /** Runs every check now (respecting their caches and limits); completes with each result by name. */
    fun resultsAsync(): CompletableFuture<Map<String, HealthResult>> {
        val futures = checks.map { it.name to result(it) }
        return CompletableFuture
            .allOf(*futures.map { it.second }.toTypedArray())
            .thenApply { futures.associate { (name, future) -> name to future.join() } }
    }

    /** Answers `GET /health`; the checks' results only with [details] (an authenticated caller, or no authentication). */
    suspend fun respond(
        call: ApplicationCall,
        details: Boolean = true,
    ) {
        val results = resultsAsync().await()
        val up = results.values.all { it.healthy }
        val body =
            JsonObject(
                mapOf(
                    "status" to JsonPrimitive(if (up) "UP" else "DOWN"),
                ) +
                    if (!details) {
                        emptyMap()
                    } else {
                        mapOf(
                            "checks" to
                                JsonObject(
                                    results.mapValues { (_, r) ->
                                        JsonObject(
                                            buildMap {
                                                put("status", JsonPrimitive(if (r.healthy) "UP" else "DOWN"))
                                                put("millis", JsonPrimitive(r.millis))
                                                r.detail?.let { put("detail", JsonPrimitive(it)) }
                                            },
                                        )
                                    },
                                ),
                        )
                    },
            )
        call.respondText(
            body.toString(),
            ContentType.Application.Json,
            if (up) HttpStatusCode.OK else HttpStatusCode.ServiceUnavailable,
        )
    }

    private fun result(registration: HealthCheckRegistration): CompletableFuture<HealthResult> {
        val cacheFor = registration.cacheFor
        val cached = registration.cached
        if (cacheFor != null && cached != null && System.nanoTime() - cached.first < cacheFor.toNanos()) {
            return CompletableFuture.completedFuture(cached.second)
        }
        val limit = registration.failIfSlowerThan ?: DEFAULT_LIMIT
        val started = System.nanoTime()
        val running =
            synchronized(registration) {
                registration.running?.takeIf { !it.isDone } ?: CompletableFuture
                    .supplyAsync({ run(registration, limit) }, pool)
                    .also { registration.running = it }
            }
        // a copy times out, not the run itself: a hung check stays the one in flight
        return running
            .copy()
            .completeOnTimeout(null, limit.toMillis(), TimeUnit.MILLISECONDS)
            .thenApply { result ->
                val outcome =
                    result ?: HealthResult(false, (System.nanoTime() - started) / 1_000_000, "did not answer within ${limit.toMillis()} ms")
                registration.cached = System.nanoTime() to outcome
                outcome
            }
    }

    private fun run(
        registration: HealthCheckRegistration,
        limit: Duration,
    ): HealthResult {
        val started = System.nanoTime()
        return try {
            val ok = registration.check.check()
            val millis = (System.nanoTime() - started) / 1_000_000
            when {
                !ok -> HealthResult(false, millis, "check returned false")
                millis > limit.toMillis() -> HealthResult(false, millis, "took $millis ms (limit ${limit.toMillis()} ms)")
                else -> HealthResult(true, millis)
            }
        } catch (e: Exception) {
            // logged when it starts failing, not on every probe of a check that keeps failing
            if (registration.cached?.second?.healthy != false) log.warn("Health check {} failed", registration.name, e)
            val detail = if (exposeDetails) e.toString() else "threw ${e.javaClass.simpleName} (logged by the server)"
            HealthResult(false, (System.nanoTime() - started) / 1_000_000, detail)
        }
    }

    companion object {
        /** The limit of a check registered without `failIfSlowerThan`. */
        val DEFAULT_LIMIT: Duration = Duration.ofSeconds(10)
        private const val MAX_THREADS = 64
        private val log = LoggerFactory.getLogger(HealthEndpoint::class.java)
    }
}
