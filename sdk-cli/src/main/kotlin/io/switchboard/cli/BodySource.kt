package io.switchboard.cli

import java.io.InputStream
import java.nio.file.Files
import java.nio.file.NoSuchFileException
import java.nio.file.Path

/** A body given on the command line: the text itself, `@FILE` for a file's content, or `@-` for standard input. */
object BodySource {
    /** The text [argument] stands for, reading a file or [stdin] as it says; [option] names it in errors. */
    fun read(
        argument: String,
        stdin: InputStream,
        option: String,
    ): String =
        when {
            argument == "@-" -> {
                stdin.readBytes().toString(Charsets.UTF_8)
            }

            argument.startsWith("@") -> {
                val file = Path.of(argument.substring(1))
                try {
                    Files.readString(file)
                } catch (_: NoSuchFileException) {
                    throw CliFailure("$option $argument: no such file", ExitCode.USAGE)
                } catch (e: java.io.IOException) {
                    throw CliFailure("$option $argument: cannot read it ($e)", ExitCode.USAGE, e)
                }
            }

            else -> {
                argument
            }
        }
}
