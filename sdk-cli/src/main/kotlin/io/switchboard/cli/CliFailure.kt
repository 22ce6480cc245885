package io.switchboard.cli

/**
 * A failure the command line reports as one line on standard error, ending the command with [exitCode]:
 * [ExitCode.USAGE] when the input was wrong (fix the command), [ExitCode.FAILED] when a call or the registry failed.
 */
open class CliFailure(
    message: String,
    val exitCode: Int = ExitCode.FAILED,
    cause: Throwable? = null,
) : RuntimeException(message, cause)

/** What the `switchboard` process exits with. */
object ExitCode {
    /** The command did what it was asked: the call answered 2xx, every instance is UP. */
    const val OK: Int = 0

    /** A call failed or answered outside 2xx, an instance is not UP, or the registry could not be reached. */
    const val FAILED: Int = 1

    /** The command line or its input was wrong: unknown command or option, missing argument, malformed JSON, bad configuration. */
    const val USAGE: Int = 2
}
