package io.switchboard.server

/**
 * A request arriving at a [ServiceServer], as a [ServerObserver] sees it.
 *
 * @property method the HTTP method.
 * @property target the request target as sent: path and query.
 * @property scheme `https` on a TLS server, else `http`.
 * @property serverAddress the host the caller addressed (its `Host` header, without port), else the local address.
 * @property serverPort the local port.
 * @property remoteAddress the caller's address, `host:port`.
 */
public class ObservedRequest internal constructor(
    public val method: String,
    public val target: String,
    public val scheme: String,
    public val serverAddress: String,
    public val serverPort: Int,
    public val remoteAddress: String,
    private val headers: (String) -> String?,
    private val allHeaders: () -> Set<String>,
) {
    /** The first value of header [name] (case-insensitive); null when absent. */
    public fun header(name: String): String? = headers(name)

    /** The names of the headers sent. */
    public fun headerNames(): Set<String> = allHeaders()

    override fun toString(): String = "ObservedRequest($method $target from $remoteAddress)"
}
