package io.switchboard.cli

import io.switchboard.RequestOptions
import kotlinx.serialization.json.JsonElement
import kotlinx.serialization.json.JsonPrimitive
import picocli.CommandLine.Command
import picocli.CommandLine.Option
import picocli.CommandLine.Parameters
import java.time.Duration

/**
 * `switchboard call SERVICE PATH`: one HTTP call to a service by name, through the manager's discovery, balancer,
 * retries and interceptors. The status, the instance that answered, the timings and every attempt go to standard
 * error; the body to standard output (indented when it is JSON), so `| jq` gets the body alone. Exit code 0 for a
 * 2xx answer, 1 otherwise.
 */
@Command(
    name = "call",
    description = ["Call a service by name: the answer's status, instance, timings and attempts, then its body."],
    mixinStandardHelpOptions = true,
)
class CallCommand : ServiceCommand() {
    @Parameters(index = "0", paramLabel = "SERVICE", description = ["The service to call."])
    lateinit var service: String

    @Parameters(index = "1", paramLabel = "PATH", description = ["The path, starting with / (it may carry a query string)."])
    lateinit var path: String

    @Option(names = ["-X", "--method"], paramLabel = "METHOD", description = ["GET (default; POST with --data), POST, PUT, …"])
    var method: String? = null

    @Option(names = ["-H", "--header"], paramLabel = "'NAME: VALUE'", description = ["A request header (repeatable)."])
    var headers: List<String> = emptyList()

    @Option(names = ["-q", "--query"], paramLabel = "NAME=VALUE", description = ["A query parameter (repeatable)."])
    var query: List<String> = emptyList()

    @Option(names = ["-d", "--data"], paramLabel = "JSON|@FILE|@-", description = ["A JSON body: the text, a file, or standard input."])
    var data: String? = null

    @Option(names = ["-i", "--include"], description = ["Also print the answer's headers (on standard error)."])
    var include: Boolean = false

    @Option(names = ["--idempotent"], description = ["The call may be repeated on another instance even after it reached one."])
    var idempotent: Boolean = false

    @Option(
        names = ["--timeout"],
        paramLabel = "DURATION",
        converter = [Durations.Converter::class],
        description = ["The whole call's deadline, every attempt included (default: the configuration's)."],
    )
    var timeout: Duration? = null

    override suspend fun run(session: Session): Int {
        if (!path.startsWith("/")) throw CliFailure("path '$path' must start with / (as in /$path)", ExitCode.USAGE)
        val body = data?.let { JsonText.parse(BodySource.read(it, io.stdin, "--data"), "--data") }
        val verb = (method ?: if (body != null) "POST" else "GET").uppercase()
        val options =
            RequestOptions
                .builder()
                .apply {
                    headers.forEach { h ->
                        val name = h.substringBefore(':', "").trim()
                        if (name.isEmpty()) throw CliFailure("--header '$h' (expected: 'NAME: VALUE')", ExitCode.USAGE)
                        header(name, h.substringAfter(':').trim())
                    }
                    query.forEach { q ->
                        val name = q.substringBefore('=', "")
                        if (name.isEmpty()) throw CliFailure("--query '$q' (expected: NAME=VALUE)", ExitCode.USAGE)
                        query(name, q.substringAfter('='))
                    }
                    body?.let { bytes(it.toString().toByteArray(), "application/json") }
                    if (idempotent) idempotent(true)
                    timeout?.let(::timeout)
                }.build()
        session.instancesOf(service)
        val exchange = sendReportingFailure { Exchange.send(session, verb, service, path, options) }
        if (output.json) {
            val parsed: JsonElement =
                runCatching { JsonText.parse(exchange.body.toString(Charsets.UTF_8), "the body") }
                    .getOrElse { JsonPrimitive(exchange.body.toString(Charsets.UTF_8)) }
            io.out.println(JsonText.pretty.encodeToString(CallView.serializer(), exchange.view(service, verb, path, parsed)))
        } else {
            io.err.println(exchange.summary(terminal))
            exchange.attemptLines(terminal).forEach(io.err::println)
            if (include) exchange.headers.forEach { (k, v) -> io.err.println(terminal.dim("$k: $v")) }
            io.err.flush()
            if (exchange.body.isNotEmpty()) io.out.println(JsonText.prettyOrText(exchange.body))
        }
        return if (exchange.isSuccessful) ExitCode.OK else ExitCode.FAILED
    }
}
