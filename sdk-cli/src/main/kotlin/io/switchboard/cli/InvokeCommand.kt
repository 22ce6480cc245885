package io.switchboard.cli

import io.switchboard.RequestOptions
import io.switchboard.service.DispatchProtocol
import kotlinx.serialization.json.JsonArray
import kotlinx.serialization.json.JsonElement
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.JsonPrimitive
import kotlinx.serialization.json.contentOrNull
import kotlinx.serialization.json.jsonPrimitive
import picocli.CommandLine.Command
import picocli.CommandLine.Option
import picocli.CommandLine.Parameters
import java.time.Duration

/**
 * `switchboard invoke SERVICE METHOD ARG…`: calls a method of a service hosted by a `ServiceServer` over the
 * dispatch-json channel (`POST /_dispatch/{service}/{method}` with the arguments as one JSON array), through the
 * manager like any call. Each ARG is one argument, as JSON (`'"Ada"'`, `42`, `'{"id":1}'`); or `--args` gives the
 * whole array. The result goes to standard output; a remote error is one line naming its type and message, exit 1.
 */
@Command(
    name = "invoke",
    description = ["Invoke a hosted service's method over the dispatch channel with JSON arguments."],
    mixinStandardHelpOptions = true,
)
class InvokeCommand : ServiceCommand() {
    @Parameters(index = "0", paramLabel = "SERVICE", description = ["The hosted service (its @Service name)."])
    lateinit var service: String

    @Parameters(index = "1", paramLabel = "METHOD", description = ["The method's name."])
    lateinit var method: String

    @Parameters(index = "2..*", paramLabel = "ARG", description = ["One argument each, as JSON: '\"text\"', 42, '{\"id\":1}'."])
    var arguments: List<String> = emptyList()

    @Option(names = ["--args"], paramLabel = "JSON|@FILE|@-", description = ["Every argument as one JSON array, instead of ARGs."])
    var array: String? = null

    @Option(names = ["--idempotent"], description = ["The call may be repeated on another instance even after it reached one."])
    var idempotent: Boolean = false

    @Option(
        names = ["--timeout"],
        paramLabel = "DURATION",
        converter = [Durations.Converter::class],
        description = ["The whole call's deadline (default: the configuration's)."],
    )
    var timeout: Duration? = null

    override suspend fun run(session: Session): Int {
        val args = arguments()
        val path = DispatchProtocol.path(service, method)
        val options =
            RequestOptions
                .builder()
                .apply {
                    bytes(args.toString().toByteArray(), "application/json")
                    if (idempotent) idempotent(true)
                    timeout?.let(::timeout)
                }.build()
        session.instancesOf(service)
        val exchange = sendReportingFailure { Exchange.send(session, "POST", service, path, options) }
        val text = exchange.body.toString(Charsets.UTF_8)
        val result: JsonElement? =
            if (text.isBlank()) {
                null
            } else {
                runCatching {
                    JsonText.parse(text, "the result")
                }.getOrElse { JsonPrimitive(text) }
            }
        if (output.json) {
            io.out.println(JsonText.pretty.encodeToString(CallView.serializer(), exchange.view(service, "POST", path, result)))
        } else if (exchange.isSuccessful) {
            io.err.println("$service.$method: " + exchange.summary(terminal))
            io.err.flush()
            if (exchange.isSuccessful && result != null) io.out.println(JsonText.pretty.encodeToString(JsonElement.serializer(), result))
        }
        if (!exchange.isSuccessful) throw CliFailure("$service.$method failed: ${remoteError(exchange.status, result)}")
        return ExitCode.OK
    }

    private fun arguments(): JsonArray {
        val whole = array
        if (whole != null) {
            if (arguments.isNotEmpty()) throw CliFailure("give the arguments as ARGs or as --args, not both", ExitCode.USAGE)
            return JsonText.parse(BodySource.read(whole, io.stdin, "--args"), "--args") as? JsonArray
                ?: throw CliFailure("--args must be a JSON array of the arguments, such as '[\"Ada\", 42]'", ExitCode.USAGE)
        }
        return JsonArray(
            arguments.mapIndexed { i, a ->
                try {
                    JsonText.parse(a, "argument ${i + 1} ('${a.take(40)}')")
                } catch (e: CliFailure) {
                    // a bare word is the usual slip: say how a text is written
                    if (a.firstOrNull()?.isLetter() != true) throw e
                    throw CliFailure("${e.message} (write a text as JSON, quoted: '\"${a.take(40)}\"')", ExitCode.USAGE, e)
                }
            },
        )
    }

    /** `HTTP 404 NotFound: no method 'nope' in service 'orders'`, from the server's JSON error body when there is one. */
    private fun remoteError(
        status: Int,
        body: JsonElement?,
    ): String {
        val error =
            (body as? JsonObject)?.get("error") as? JsonObject
                ?: return "HTTP $status" + (body?.let { ": ${it.toString().take(200)}" } ?: "")
        val type = (error["type"] as? JsonPrimitive)?.contentOrNull
        val message = error["message"]?.jsonPrimitive?.contentOrNull
        val id = (error["id"] as? JsonPrimitive)?.contentOrNull
        return "HTTP $status ${type.orEmpty()}: ${message.orEmpty()}" +
            (id?.takeUnless { message.orEmpty().contains(it) }?.let { " (error id $it)" } ?: "")
    }
}
