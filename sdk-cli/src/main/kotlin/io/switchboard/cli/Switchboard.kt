package io.switchboard.cli

import io.switchboard.ConfigurationException
import io.switchboard.SwitchboardException
import picocli.CommandLine
import java.io.InputStream
import java.io.OutputStreamWriter
import java.io.PrintStream
import java.io.PrintWriter
import kotlin.text.Charsets.UTF_8

/**
 * The command line's entry point: [run] parses the arguments with picocli, runs the command and returns its exit
 * code ([ExitCode]) without exiting, so tests run it in their own JVM; `main` exits with it. Every failure ends as
 * one line on the error stream — `switchboard: unknown service 'ordrs' (known: orders; did you mean 'orders'?)` —
 * never a stack trace (`--verbose` adds it).
 */
object Switchboard {
    /** Runs the command line [args] with [stdin], [out] and [err]; [terminal] says [out] is an interactive terminal. */
    fun run(
        args: Array<String>,
        out: PrintStream = System.out,
        err: PrintStream = System.err,
        stdin: InputStream = System.`in`,
        terminal: Boolean = false,
    ): Int {
        val io =
            CliIo(PrintWriter(OutputStreamWriter(out, UTF_8), true), PrintWriter(OutputStreamWriter(err, UTF_8), true), stdin, terminal)
        try {
            return commandLine(io).execute(*args)
        } finally {
            io.out.flush()
            io.err.flush()
        }
    }

    /** The picocli command line over [io], with this project's error handling. */
    fun commandLine(io: CliIo): CommandLine =
        CommandLine(RootCommand(io))
            .setOut(io.out)
            .setErr(io.err)
            .setCaseInsensitiveEnumValuesAllowed(true)
            // @FILE is this command line's own notation for bodies (--data @body.json), not picocli's argument files
            .setExpandAtFiles(false)
            .setParameterExceptionHandler { e, _ -> usageError(io, e) }
            .setExecutionExceptionHandler { e, command, _ -> failure(io, e, command) }

    private fun usageError(
        io: CliIo,
        e: CommandLine.ParameterException,
    ): Int {
        val command = e.commandLine
        val name = command.commandSpec.qualifiedName()
        val unmatched = (e as? CommandLine.UnmatchedArgumentException)?.unmatched.orEmpty()
        val message =
            when {
                command.commandSpec.userObject() is RootCommand && unmatched.isNotEmpty() && !unmatched[0].startsWith("-") -> {
                    val commands = command.subcommands.keys
                    "unknown command '${unmatched[0]}' (commands: ${commands.joinToString(", ")}" +
                        (ServiceNames.closest(unmatched[0], commands)?.let { "; did you mean '$it'?" } ?: "") + ")"
                }

                unmatched.isNotEmpty() && unmatched[0].startsWith("-") -> {
                    val options = command.commandSpec.options().flatMap { it.names().toList() }
                    "$name: unknown option '${unmatched[0]}'" +
                        (ServiceNames.closest(unmatched[0], options)?.let { " (did you mean '$it'?)" } ?: "") +
                        " (see '$name --help')"
                }

                unmatched.isNotEmpty() -> {
                    "$name: unexpected argument '${unmatched[0]}' (see '$name --help')"
                }

                else -> {
                    "$name: ${e.message?.replaceFirstChar { it.lowercase() }} (see '$name --help')"
                }
            }
        io.err.println("switchboard: ${Session.oneLine(message)}")
        return ExitCode.USAGE
    }

    private fun failure(
        io: CliIo,
        e: Exception,
        command: CommandLine,
    ): Int {
        val (message, code) =
            when (e) {
                is CliFailure -> e.message.orEmpty() to e.exitCode
                is ConfigurationException -> e.message.orEmpty() to ExitCode.USAGE
                is SwitchboardException -> e.message.orEmpty() to ExitCode.FAILED
                is InterruptedException -> "interrupted" to ExitCode.FAILED
                else -> "${e.javaClass.simpleName}: ${e.message} (run with --verbose for the stack trace)" to ExitCode.FAILED
            }
        io.err.println("switchboard: ${Session.oneLine(message)}")
        if ((command.commandSpec.userObject() as? ServiceCommand)?.output?.verbose == true) e.printStackTrace(io.err)
        io.err.flush()
        return code
    }
}
