package io.switchboard.service

import io.switchboard.SwitchboardException

/**
 * An error a hosted implementation reports to its caller on purpose: a `ServiceServer` answers it with
 * [status] and this [type] and message, as they are, and the caller gets a [RemoteServiceException] carrying
 * them. Any other exception an implementation throws is answered as a 500 `InternalError` whose body holds
 * only an error id (its message may hold secrets), unless the server exposes error messages.
 *
 * @property status the HTTP status to answer with: 400 to 599; 400 by default.
 * @property type a short, stable name of the error for callers to branch on, such as `OutOfStock`.
 */
public class ServiceErrorException
    @JvmOverloads
    constructor(
        public val type: String,
        message: String,
        public val status: Int = 400,
    ) : SwitchboardException(message) {
        init {
            require(status in 400..599) { "status: $status (expected: 400..599)" }
            require(type.isNotBlank()) { "type: '$type' (expected: a short name such as OutOfStock)" }
        }
    }
