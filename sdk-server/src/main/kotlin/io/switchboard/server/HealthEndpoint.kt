package io.switchboard.server

import io.ktor.http.ContentType
import io.ktor.http.HttpStatusCode
import io.ktor.server.application.ApplicationCall
import io.ktor.server.response.respondText
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.withContext
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.JsonPrimitive

/**
 * Runs a [ServiceServer]'s health checks (with their time limits and caches) and answers `GET /health`
 * with `{"status":"UP"|"DOWN","checks":{name:{"status":…,"millis":…,"detail":…}}}`, 200 when every check
 * passed, 503 otherwise.
 */
internal class HealthEndpoint(
    private val checks: List<HealthCheckRegistration>,
) {
    /** Runs every check now (respecting their caches) and returns each result by name. */
    fun results(): Map<String, HealthResult> = checks.associate { it.name to run(it) }

    /** Answers `GET /health`; the checks run on [Dispatchers.IO], since they may block. */
    suspend fun respond(call: ApplicationCall) {
        val results = withContext(Dispatchers.IO) { results() }
        val up = results.values.all { it.healthy }
        val body =
            JsonObject(
                mapOf(
                    "status" to JsonPrimitive(if (up) "UP" else "DOWN"),
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
                ),
            )
        call.respondText(
            body.toString(),
            ContentType.Application.Json,
            if (up) HttpStatusCode.OK else HttpStatusCode.ServiceUnavailable,
        )
    }

    private fun run(registration: HealthCheckRegistration): HealthResult {
        val cacheFor = registration.cacheFor
        val cached = registration.cached
        if (cacheFor != null && cached != null && System.nanoTime() - cached.first < cacheFor.toNanos()) return cached.second
        val started = System.nanoTime()
        val result =
            try {
                val ok = registration.check.check()
                val millis = (System.nanoTime() - started) / 1_000_000
                val limit = registration.failIfSlowerThan
                when {
                    !ok -> {
                        HealthResult(false, millis, "check returned false")
                    }

                    limit != null && millis > limit.toMillis() -> {
                        HealthResult(
                            false,
                            millis,
                            "took $millis ms (limit ${limit.toMillis()} ms)",
                        )
                    }

                    else -> {
                        HealthResult(true, millis)
                    }
                }
            } catch (e: Exception) {
                HealthResult(false, (System.nanoTime() - started) / 1_000_000, e.toString())
            }
        registration.cached = System.nanoTime() to result
        return result
    }
}
