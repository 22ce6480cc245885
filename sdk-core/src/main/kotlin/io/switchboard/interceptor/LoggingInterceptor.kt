package io.switchboard.interceptor

import io.switchboard.RequestContext
import io.switchboard.spi.Interceptor
import org.slf4j.Logger
import org.slf4j.LoggerFactory
import org.slf4j.event.Level

/**
 * Logs each call through SLF4J: the request (method, service, path, headers, query), the response
 * (instance, status, duration) and failures.
 *
 * Values of `Authorization`, `Proxy-Authorization`, `Cookie` and `Set-Cookie`, and of every header or
 * query parameter whose name contains `password`, `passwd`, `secret`, `token`, `api-key` (or `api_key`), `apikey` or
 * `credential`, are printed as `***`.
 *
 * @param logRequest whether to log before the request.
 * @param logResponse whether to log after the response.
 * @param level the level of the request and response lines; failures log at WARN.
 * @param logger the logger; `io.switchboard.calls` by default.
 */
public class LoggingInterceptor
    @JvmOverloads
    constructor(
        private val logRequest: Boolean = true,
        private val logResponse: Boolean = true,
        private val level: Level = Level.INFO,
        private val logger: Logger = LoggerFactory.getLogger("io.switchboard.calls"),
    ) : Interceptor {
        override val name: String get() = NAME

        /** Runs last, so that it logs what the other interceptors did. */
        override val order: Int get() = 99_999

        override suspend fun beforeRequest(context: RequestContext) {
            if (!logRequest || !logger.isEnabledForLevel(level)) return
            logger
                .atLevel(level)
                .log(
                    "→ {} {}{} headers={} query={}",
                    context.method,
                    context.serviceName,
                    LoggingInterceptor.maskedPath(context.path),
                    masked(context.headers),
                    masked(context.queryParameters),
                )
        }

        override suspend fun afterResponse(context: RequestContext) {
            if (!logResponse || !logger.isEnabledForLevel(level)) return
            logger
                .atLevel(level)
                .log(
                    "← {} {}{} from {} status={} in {} ms",
                    context.method,
                    context.serviceName,
                    LoggingInterceptor.maskedPath(context.path),
                    context.selectedInstance?.address ?: "?",
                    context.response?.status,
                    millis(context),
                )
        }

        override suspend fun handleException(context: RequestContext) {
            if (!logger.isWarnEnabled) return
            logger.warn(
                "✗ {} {}{} failed after {} ms: {}",
                context.method,
                context.serviceName,
                LoggingInterceptor.maskedPath(context.path),
                millis(context),
                context.exception?.message ?: context.exception?.javaClass?.name,
            )
        }

        private fun millis(context: RequestContext): String = context.duration?.let { "%.2f".format(it.toNanos() / 1e6) } ?: "?"

        /** Masking rules, also used by other parts that print headers. */
        public companion object {
            /** The name this interceptor registers under. */
            public const val NAME: String = "LoggingInterceptor"

            private val sensitiveNames = setOf("authorization", "proxy-authorization", "cookie", "set-cookie")
            private val sensitiveParts = listOf("password", "passwd", "secret", "token", "api-key", "apikey", "credential")

            /** Whether the value of a header or parameter called [name] must not be printed. */
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
            public fun <V> masked(values: Map<String, V>): Map<String, Any?> =
                values.mapValues { (k, v) -> if (isSensitive(k)) "***" else v }
        }
    }
