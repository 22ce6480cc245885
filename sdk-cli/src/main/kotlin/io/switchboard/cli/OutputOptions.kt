package io.switchboard.cli

import picocli.CommandLine.Option

/** How a command prints: tables for people (coloured on a terminal) or JSON for scripts, and how much it logs. */
class OutputOptions {
    @Option(names = ["--json"], description = ["Print JSON for scripts instead of tables."])
    var json: Boolean = false

    @Option(
        names = ["--color"],
        paramLabel = "WHEN",
        description = ["auto (on a terminal), always or never (default: \${DEFAULT-VALUE})."],
    )
    var color: ColorMode = ColorMode.AUTO

    @Option(names = ["-v", "--verbose"], description = ["Log what the SDK and the registry clients do, on standard error."])
    var verbose: Boolean = false

    /** When ANSI colours are used. */
    enum class ColorMode { AUTO, ALWAYS, NEVER }

    /** The painter for output to a terminal when [interactive]. */
    fun terminal(interactive: Boolean): Terminal =
        Terminal(
            when (color) {
                ColorMode.ALWAYS -> true
                ColorMode.NEVER -> false
                ColorMode.AUTO -> interactive && !json
            },
        )
}
