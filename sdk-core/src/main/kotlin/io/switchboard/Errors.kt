package io.switchboard

import java.time.Duration

/**
 * Base type of every failure Switchboard reports; the message says what went wrong and what to do.
 *
 * When a call ended in it after more than one attempt, the message ends with the attempts — where each
 * went and why it failed, such as `after 3 attempts: 127.0.0.1:4101 HTTP 503 in 2 ms; 127.0.0.1:4102
 * connection refused in 1 ms; …` (at most ten of them) — and [attempts] lists them.
 */
public open class SwitchboardException(
    message: String,
    cause: Throwable? = null,
) : RuntimeException(message, cause) {
    @Volatile
    private var recorded: List<Attempt>? = null

    /**
     * The attempts of the call that ended in this failure, in order, the last one included (its
     * [Attempt.failure] is this exception or what it wraps); empty when the failure came before any
     * attempt or not from a call.
     */
    public val attempts: List<Attempt> get() = recorded.orEmpty()

    /** The message as constructed, without the attempts. */
    internal val baseMessage: String? get() = super.message

    override val message: String?
        get() {
            val attempts = recorded
            if (attempts == null || attempts.size < 2) return super.message
            return super.message + "; " + describe(attempts)
        }

    /** Records the attempts of the call this failure ended; the first call to record wins (an inner call's failure keeps its own). */
    internal fun recordAttempts(attempts: List<Attempt>) {
        if (recorded == null) recorded = attempts
    }
}

/** How many attempts a message lists at most; the rest are counted. */
private const val MAX_LISTED = 10

private fun describe(attempts: List<Attempt>): String =
    "after ${attempts.size} attempts: " + attempts.take(MAX_LISTED).joinToString("; ") +
        (if (attempts.size > MAX_LISTED) "; … and ${attempts.size - MAX_LISTED} more" else "")

/**
 * No instance of [serviceName] could be chosen: none is registered, or none is healthy with a weight above zero.
 *
 * @property serviceName the service that was called.
 * @property instances the instances the registry knew, none of them eligible (empty when none is registered).
 */
public class NoInstanceAvailableException(
    public val serviceName: String,
    public val instances: List<ServiceInstance>,
    message: String,
) : SwitchboardException(message)

/**
 * The instance answered with a status outside 200..299.
 *
 * @property serviceName the service that was called.
 * @property instance the instance that answered.
 * @property method the HTTP method of the call.
 * @property path the request path.
 * @property status the HTTP status code.
 * @property bodyExcerpt the start of the response body (at most 512 characters).
 */
public class HttpStatusException(
    public val serviceName: String,
    public val instance: ServiceInstance,
    public val method: String,
    public val path: String,
    public val status: Int,
    public val bodyExcerpt: String,
) : SwitchboardException(
        "$method $serviceName${io.switchboard.Secrets.maskedPath(
            path,
        )} answered HTTP $status from ${instance.address}" +
            (if (bodyExcerpt.isEmpty()) "" else ": $bodyExcerpt") +
            (if (status >= 500) " (the service failed; check its logs)" else " (check the request)"),
    )

/** Which of the configured timeouts fired. */
public enum class TimeoutKind(
    internal val setting: String,
) {
    /** Establishing the TCP connection took too long (`connectTimeout`). */
    CONNECT("connectTimeout"),

    /** No data arrived on an open connection for too long (`readTimeout`). */
    READ("readTimeout"),

    /** The whole call, from sending to the last byte, took too long (`requestTimeout` or the per-call timeout). */
    REQUEST("requestTimeout"),

    /** One attempt took longer than its share (`RetryPolicy.attemptTimeout`); an idempotent call goes on elsewhere. */
    ATTEMPT("attemptTimeout"),

    /**
     * The deadline the call inherited passed before its own `requestTimeout` would have: the deadline of the
     * inbound call that the calling code serves (a `ServiceServer` sets it from the caller's
     * `Switchboard-Timeout` header), or one set with `withCallDeadline` / `CallDeadline.within`.
     */
    DEADLINE("deadline"),
}

/**
 * A call ran past one of its timeouts.
 *
 * @property serviceName the service that was called.
 * @property instance the instance the call went to, if one had been chosen.
 * @property kind which timeout fired.
 * @property timeout the value of that timeout, when known.
 */
public class ServiceTimeoutException(
    public val serviceName: String,
    public val instance: ServiceInstance?,
    public val kind: TimeoutKind,
    public val timeout: Duration?,
    cause: Throwable?,
) : SwitchboardException(timeoutMessage(serviceName, instance, kind, timeout), cause)

private fun timeoutMessage(
    serviceName: String,
    instance: ServiceInstance?,
    kind: TimeoutKind,
    timeout: Duration?,
): String {
    val where = "calling $serviceName" + (instance?.let { " at ${it.address}" } ?: "")
    if (kind == TimeoutKind.DEADLINE) {
        return "the deadline inherited from the calling request or withCallDeadline" +
            (timeout?.let { " (${it.toMillis()} ms)" } ?: "") +
            " passed $where; the call was cut short (the time of the whole call chain ran out: " +
            "raise the timeout where the chain starts, or make the slow step faster)"
    }
    return "${kind.setting}${timeout?.let { " of ${it.toMillis()} ms" } ?: ""} fired $where" +
        " (raise ${kind.setting} or check that the instance is responsive)"
}

/**
 * The call failed for another reason: connection refused, a broken connection, or a body that could not be decoded.
 *
 * @property serviceName the service that was called.
 * @property instance the instance the call went to, if one had been chosen.
 */
public class ServiceCallException(
    public val serviceName: String,
    public val instance: ServiceInstance?,
    message: String,
    cause: Throwable?,
) : SwitchboardException(message, cause)

/** A setting has a value Switchboard cannot use; the message names the setting, the value and what is expected. */
public class ConfigurationException(
    message: String,
    cause: Throwable? = null,
) : SwitchboardException(message, cause)

/** The call itself is malformed (for example a path without a leading slash); nothing was sent. */
public class InvalidRequestException(
    message: String,
) : SwitchboardException(message)
