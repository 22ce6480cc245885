package io.switchboard.cli

import ch.qos.logback.classic.Level
import ch.qos.logback.classic.Logger
import org.slf4j.LoggerFactory

/** The command line logs nothing by default (its logback.xml); `--verbose` turns the SDK's and the registry clients' logs on. */
object Logging {
    /** Raises logging when [verbose]; leaves it alone otherwise (so a test's own configuration stays as it is). */
    fun configure(verbose: Boolean) {
        if (!verbose) return
        (LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME) as? Logger)?.level = Level.INFO
        (LoggerFactory.getLogger("io.switchboard") as? Logger)?.level = Level.DEBUG
    }
}
