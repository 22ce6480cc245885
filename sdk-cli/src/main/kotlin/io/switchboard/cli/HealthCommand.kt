package io.switchboard.cli

import io.switchboard.RequestOptions
import io.switchboard.ServiceInstance
import io.switchboard.SwitchboardException
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.coroutineScope
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.JsonPrimitive
import kotlinx.serialization.json.contentOrNull
import picocli.CommandLine.Command
import picocli.CommandLine.Option
import picocli.CommandLine.Parameters
import java.time.Duration

/**
 * `switchboard health SERVICE`: `GET /health` on every instance of the service at once — unhealthy and ejected ones
 * too, each reached directly, with the configuration's TLS and credentials — and a table of what each answered:
 * UP or DOWN with its checks, or why it could not answer. Exit code 0 when every instance is UP, 1 otherwise.
 */
@Command(
    name = "health",
    description = ["Call /health on every instance of a service and show a table."],
    mixinStandardHelpOptions = true,
)
class HealthCommand : ServiceCommand() {
    @Parameters(index = "0", paramLabel = "SERVICE", description = ["The service whose instances to check."])
    lateinit var service: String

    @Option(names = ["--path"], paramLabel = "PATH", description = ["The health path (default: \${DEFAULT-VALUE})."])
    var path: String = "/health"

    @Option(
        names = ["--timeout"],
        paramLabel = "DURATION",
        converter = [Durations.Converter::class],
        description = ["How long each instance may take to answer (default: 5s)."],
    )
    var timeout: Duration = Duration.ofSeconds(5)

    override suspend fun run(session: Session): Int {
        if (!path.startsWith("/")) throw CliFailure("--path '$path' must start with /", ExitCode.USAGE)
        val instances = session.instancesOf(service).sortedWith(compareBy({ it.host }, { it.port }))
        val results = coroutineScope { instances.map { async { check(session, it) } }.awaitAll() }
        if (output.json) {
            io.out.println(JsonText.pretty.encodeToString(HealthReport.serializer(), HealthReport(service, results)))
        } else {
            val table = Table(listOf("INSTANCE", "REGISTRY", "STATUS", "HTTP", "TIME", "CHECKS"))
            results.forEach { r ->
                table.row(
                    r.instance,
                    if (r.registryHealthy) "healthy" else terminal.red("unhealthy"),
                    if (r.status == UP) terminal.green(r.status) else terminal.red(r.status),
                    r.httpStatus?.toString() ?: "-",
                    Durations.format(Duration.ofMillis(r.millis)),
                    r.error ?: r.checks.entries.joinToString(", ") { (name, status) -> "$name=$status" },
                )
            }
            table.print(io.out, terminal)
            val up = results.count { it.status == UP }
            io.err.println("$service: $up of ${results.size} instance(s) UP")
        }
        return if (results.all { it.status == UP }) ExitCode.OK else ExitCode.FAILED
    }

    private suspend fun check(
        session: Session,
        instance: ServiceInstance,
    ): HealthView {
        val started = System.nanoTime()

        fun elapsed() = (System.nanoTime() - started) / 1_000_000
        return session.pinned(instance).use { manager ->
            try {
                val (status, body) =
                    manager.rawRequest("GET", service, path, RequestOptions.builder().timeout(timeout).build()) { r ->
                        r.status to r.bytes().toString(Charsets.UTF_8)
                    }
                val json = runCatching { Json.parseToJsonElement(body) as? JsonObject }.getOrNull()
                val reported = (json?.get("status") as? JsonPrimitive)?.contentOrNull
                val checks =
                    (json?.get("checks") as? JsonObject)
                        ?.mapValues { (_, c) -> ((c as? JsonObject)?.get("status") as? JsonPrimitive)?.contentOrNull ?: "?" }
                        .orEmpty()
                val state = reported ?: if (status in 200..299) UP else DOWN
                val error = if (status == 404) "no $path here (HTTP 404)" else null
                HealthView(instance.address, instance.healthy, if (status == 404) UNKNOWN else state, status, elapsed(), checks, error)
            } catch (e: SwitchboardException) {
                val reason = e.attempts.lastOrNull()?.outcome ?: Session.oneLine(e.message)
                HealthView(instance.address, instance.healthy, UNREACHABLE, null, elapsed(), emptyMap(), reason)
            }
        }
    }

    private companion object {
        private const val UP = "UP"
        private const val DOWN = "DOWN"
        private const val UNKNOWN = "UNKNOWN"
        private const val UNREACHABLE = "UNREACHABLE"
    }
}
