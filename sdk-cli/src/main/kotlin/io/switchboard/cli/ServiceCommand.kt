package io.switchboard.cli

import kotlinx.coroutines.runBlocking
import picocli.CommandLine.Mixin
import picocli.CommandLine.Model.CommandSpec
import picocli.CommandLine.ParentCommand
import picocli.CommandLine.Spec
import java.util.concurrent.Callable

/**
 * A subcommand that works on services: it takes the registry options and the output options, opens a [Session],
 * runs, and closes the session whatever happens. Its exit code is what [run] returns; failures are thrown as
 * [CliFailure]s and reported by [Switchboard].
 */
abstract class ServiceCommand : Callable<Int> {
    @ParentCommand
    lateinit var root: RootCommand

    @Spec
    lateinit var spec: CommandSpec

    @Mixin
    lateinit var registry: RegistryOptions

    @Mixin
    lateinit var output: OutputOptions

    /** The run's streams. */
    val io: CliIo get() = root.io

    /** How results are painted. */
    val terminal: Terminal by lazy { output.terminal(io.interactive) }

    /** Whether an interrupt (the thread's, as a test stops a watch) is the command's normal end, exit code 0. */
    open val endsOnInterrupt: Boolean get() = false

    override fun call(): Int {
        Logging.configure(output.verbose)
        return try {
            registry.open().use { session -> runBlocking { run(session) } }
        } catch (e: InterruptedException) {
            if (!endsOnInterrupt) throw e
            ExitCode.OK
        }
    }

    /** Runs [send]; when the call gets no answer and the output is `--json`, prints the failure and its attempts as JSON too. */
    protected suspend fun sendReportingFailure(send: suspend () -> Exchange): Exchange =
        try {
            send()
        } catch (e: Exchange.CallFailed) {
            if (output.json) io.out.println(JsonText.pretty.encodeToString(FailureView.serializer(), e.view))
            throw e
        }

    /** Does the command's work with [session]; returns the exit code. */
    abstract suspend fun run(session: Session): Int
}
