package io.switchboard.internal

import java.io.IOException

/**
 * An attempt failed on an idle connection taken from the pool, before any answer arrived. Most often the
 * server had closed the connection while it sat idle; an idempotent call may then be repeated on the same
 * instance over a new connection.
 */
internal class PooledConnectionException(
    message: String,
    cause: IOException,
) : IOException(message, cause)
