package io.switchboard

/**
 * Which names carry secrets, and how Switchboard hides them: `Authorization`, `Cookie` and every header,
 * query parameter or configuration key named like a password, secret, token, credential or API key is
 * printed as `***` in logs, messages and `toString()`.
 */
public object Secrets {
    private val sensitiveNames = setOf("authorization", "proxy-authorization", "cookie", "set-cookie")
    private val sensitiveParts = listOf("password", "passwd", "secret", "token", "api-key", "apikey", "credential")

    /** Whether the value of a header, parameter or key called [name] must not be printed. */
    @JvmStatic
    public fun isSensitive(name: String): Boolean {
        val lower = name.lowercase().replace('_', '-')
        return lower in sensitiveNames || sensitiveParts.any { lower.contains(it) }
    }

    /** [pathOrUrl] with the values of sensitive query parameters replaced by `***`. */
    @JvmStatic
    public fun maskedPath(pathOrUrl: String?): String {
        if (pathOrUrl == null) return "null"
        val query = pathOrUrl.indexOf('?')
        if (query < 0) return pathOrUrl
        val masked =
            pathOrUrl.substring(query + 1).split('&').joinToString("&") { pair ->
                val name = pair.substringBefore('=')
                if (pair.contains('=') && isSensitive(name)) "$name=***" else pair
            }
        return pathOrUrl.substring(0, query + 1) + masked
    }

    /** A copy of [values] with the sensitive ones replaced by `***`. */
    @JvmStatic
    public fun <V> masked(values: Map<String, V>): Map<String, Any?> = values.mapValues { (k, v) -> if (isSensitive(k)) "***" else v }
}
