package io.switchboard.cli

import java.io.InputStream
import java.io.PrintWriter

/**
 * The streams a command line run reads and writes: results on [out], summaries and errors on [err], request bodies
 * from [stdin]. [interactive] says [out] is a terminal (colours then, unless `--color=never`).
 */
class CliIo(
    val out: PrintWriter,
    val err: PrintWriter,
    val stdin: InputStream,
    val interactive: Boolean,
)
