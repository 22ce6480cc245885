package io.switchboard.cli

import picocli.CommandLine
import java.time.Duration

/** Durations as people type them (`500ms`, `2s`, `1m`, `1h`, or plain seconds) and as the command line prints them. */
object Durations {
    private val pattern = Regex("""(\d+)\s*(ms|s|m|min|h)?""")

    /** Parses [text]; fails naming what is expected. */
    fun parse(text: String): Duration {
        val match =
            pattern.matchEntire(text.trim())
                ?: throw IllegalArgumentException("'$text' (expected: a duration such as 500ms, 2s, 1m)")
        val amount = match.groupValues[1].toLong()
        val duration =
            when (match.groupValues[2]) {
                "ms" -> Duration.ofMillis(amount)
                "m", "min" -> Duration.ofMinutes(amount)
                "h" -> Duration.ofHours(amount)
                else -> Duration.ofSeconds(amount)
            }
        require(!duration.isZero) { "'$text' (expected: a duration above zero)" }
        return duration
    }

    /** [duration] in a few characters: `12 ms`, `1.4 s`, `3 min`, `2 h`. */
    fun format(duration: Duration): String {
        val millis = duration.toMillis()
        return when {
            millis < 1_000 -> "$millis ms"
            millis < 10_000 -> String.format(java.util.Locale.ROOT, "%.1f s", millis / 1_000.0)
            millis < 120_000 -> "${millis / 1_000} s"
            millis < 7_200_000 -> "${millis / 60_000} min"
            else -> "${millis / 3_600_000} h"
        }
    }

    /** Reads `--timeout`-style options. */
    class Converter : CommandLine.ITypeConverter<Duration> {
        override fun convert(value: String): Duration =
            try {
                parse(value)
            } catch (e: IllegalArgumentException) {
                throw CommandLine.TypeConversionException(e.message)
            }
    }
}
