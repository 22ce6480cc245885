package io.switchboard.cli

/**
 * How text is painted: ANSI colours only when [enabled] (standard output is a terminal, or `--color=always`), and
 * never when the `NO_COLOR` environment variable is set.
 */
class Terminal(
    val enabled: Boolean,
) {
    /** [text] in bold. */
    fun bold(text: String): String = paint(text, "1")

    /** [text] in green: healthy, successful. */
    fun green(text: String): String = paint(text, "32")

    /** [text] in red: down, failed. */
    fun red(text: String): String = paint(text, "31")

    /** [text] in yellow: a warning, an ejected instance. */
    fun yellow(text: String): String = paint(text, "33")

    /** [text] dimmed: secondary details. */
    fun dim(text: String): String = paint(text, "2")

    /** [text] coloured by what an HTTP [status] means. */
    fun status(
        text: String,
        status: Int?,
    ): String =
        when {
            status == null -> red(text)
            status in 200..299 -> green(text)
            status in 300..499 -> yellow(text)
            else -> red(text)
        }

    private fun paint(
        text: String,
        code: String,
    ): String = if (enabled && text.isNotEmpty()) "\u001b[${code}m$text\u001b[0m" else text

    companion object {
        /** Whether this process writes to an interactive terminal that wants colour. */
        fun isInteractive(): Boolean = System.console() != null && System.getenv("NO_COLOR") == null && System.getenv("TERM") != "dumb"

        /** The visible length of [text], ANSI colour codes left out. */
        fun visibleLength(text: String): Int = text.replace(ANSI, "").length

        private val ANSI = Regex("\u001b\\[[0-9;]*m")
    }
}
