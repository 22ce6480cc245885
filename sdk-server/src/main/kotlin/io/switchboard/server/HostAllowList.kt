package io.switchboard.server

/** The `Host` header check of [ServiceServerBuilder.allowedHosts]: names compare without case, ports are ignored. */
internal object HostAllowList {
    /** [host] as the list keeps it: lower case, without a trailing dot, an IPv6 address without brackets. */
    fun normalize(host: String): String =
        host
            .trim()
            .removePrefix("[")
            .removeSuffix("]")
            .removeSuffix(".")
            .lowercase()

    /** Whether [header], a `Host` header value (`name`, `name:port`, `[v6]:port`), names a host in [allowed]. */
    fun allows(
        allowed: Set<String>,
        header: String?,
    ): Boolean {
        if (header.isNullOrBlank()) return false
        val value = header.trim()
        val host =
            when {
                value.startsWith("[") -> value.substringBefore(']').removePrefix("[")
                value.count { it == ':' } == 1 -> value.substringBefore(':')
                else -> value
            }
        return normalize(host) in allowed
    }
}
