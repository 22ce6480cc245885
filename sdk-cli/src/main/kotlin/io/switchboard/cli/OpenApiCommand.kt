package io.switchboard.cli

import io.switchboard.RequestOptions
import kotlinx.serialization.json.JsonElement
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.JsonPrimitive
import kotlinx.serialization.json.contentOrNull
import picocli.CommandLine.Command
import picocli.CommandLine.Option
import picocli.CommandLine.Parameters
import java.time.Duration

/**
 * `switchboard openapi SERVICE`: the OpenAPI document a `ServiceServer` publishes (`openApi { … }` on the server),
 * fetched from one instance of the service through the manager, printed indented (`> orders.json` keeps it), or with
 * `--operations` as a table of its operations.
 */
@Command(
    name = "openapi",
    description = ["Fetch the OpenAPI description of a hosted service."],
    mixinStandardHelpOptions = true,
)
class OpenApiCommand : ServiceCommand() {
    @Parameters(index = "0", paramLabel = "SERVICE", description = ["The hosted service."])
    lateinit var service: String

    @Option(names = ["--path"], paramLabel = "PATH", description = ["Where the server publishes it (default: \${DEFAULT-VALUE})."])
    var path: String = "/openapi.json"

    @Option(names = ["--operations"], description = ["Print a table of the operations instead of the document."])
    var operations: Boolean = false

    @Option(
        names = ["--timeout"],
        paramLabel = "DURATION",
        converter = [Durations.Converter::class],
        description = ["The call's deadline (default: 10s)."],
    )
    var timeout: Duration = Duration.ofSeconds(10)

    override suspend fun run(session: Session): Int {
        session.instancesOf(service)
        val exchange =
            Exchange.send(
                session,
                "GET",
                service,
                path,
                RequestOptions
                    .builder()
                    .idempotent(true)
                    .timeout(timeout)
                    .build(),
            )
        val where = exchange.instance.address
        when (exchange.status) {
            in 200..299 -> {}

            404 -> {
                throw CliFailure("$service at $where publishes no OpenAPI document at $path (the server turns it on with openApi { … })")
            }

            401, 403 -> {
                throw CliFailure(
                    "$service at $where answered HTTP ${exchange.status} for $path: its document needs credentials " +
                        "(service-caller.interceptors.auth in --config)",
                )
            }

            else -> {
                throw CliFailure("$service at $where answered HTTP ${exchange.status} for $path")
            }
        }
        val document =
            runCatching { JsonText.parse(exchange.body.toString(Charsets.UTF_8), "the document") }.getOrNull() as? JsonObject
                ?: throw CliFailure("$service at $where answered $path with something that is not a JSON document")
        if (!operations || output.json) {
            io.out.println(JsonText.pretty.encodeToString(JsonElement.serializer(), document))
            return ExitCode.OK
        }
        val info = document["info"] as? JsonObject
        io.out.println(
            terminal.bold("${text(info?.get("title")) ?: service} ${text(info?.get("version")).orEmpty()}".trim()) +
                terminal.dim(" (OpenAPI ${text(document["openapi"]).orEmpty()}, from $where)"),
        )
        val table = Table(listOf("METHOD", "PATH", "OPERATION", "SUMMARY"))
        (document["paths"] as? JsonObject)?.forEach { (route, item) ->
            (item as? JsonObject)?.forEach { (verb, operation) ->
                if (verb in VERBS) {
                    val op = operation as? JsonObject
                    table.row(
                        verb.uppercase(),
                        route,
                        text(op?.get("operationId")).orEmpty(),
                        text(op?.get("summary")) ?: text(op?.get("description")).orEmpty(),
                    )
                }
            }
        }
        table.print(io.out, terminal)
        return ExitCode.OK
    }

    private fun text(element: JsonElement?): String? = (element as? JsonPrimitive)?.contentOrNull

    private companion object {
        private val VERBS = setOf("get", "put", "post", "delete", "options", "head", "patch", "trace")
    }
}
