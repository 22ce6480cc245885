package io.switchboard

/** The HTTP headers Switchboard's callers and `ServiceServer` exchange. */
public object SwitchboardHeaders {
    /**
     * Sent with every attempt of a call that has a deadline: the whole milliseconds that remain of it (or
     * of the attempt's own timeout when that is shorter), rounded up, as a decimal integer, e.g. `287`. A
     * `ServiceServer` cancels the implementation when that time has passed and answers 504; the calls the
     * implementation makes meanwhile inherit what remains ([CallDeadline]). Values above [MAX_TIMEOUT_MILLIS]
     * are not sent; a server answers 400 to them.
     */
    public const val TIMEOUT: String = "Switchboard-Timeout"

    /**
     * Set to `true` by a `ServiceServer` on the 504 it answers when the deadline the caller sent in
     * [TIMEOUT] passed: the caller then reports its own deadline as a `ServiceTimeoutException` rather than
     * the status, and does not retry (no time remains).
     */
    public const val DEADLINE_EXCEEDED: String = "Switchboard-Deadline-Exceeded"

    /** The largest [TIMEOUT] value (99,999,999 ms, about 27.8 hours; eight digits); a caller sends no more. */
    public const val MAX_TIMEOUT_MILLIS: Long = 99_999_999L
}
