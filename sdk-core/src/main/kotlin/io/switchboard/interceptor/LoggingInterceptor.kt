package io.switchboard.interceptor

import io.switchboard.RequestContext
import io.switchboard.Secrets
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
                    Secrets.maskedPath(context.path),
                    Secrets.masked(context.headers),
                    Secrets.masked(context.queryParameters),
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
                    Secrets.maskedPath(context.path),
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
                Secrets.maskedPath(context.path),
                millis(context),
                context.exception?.message ?: context.exception?.javaClass?.name,
            )
        }

        private fun millis(context: RequestContext): String = context.duration?.let { "%.2f".format(it.toNanos() / 1e6) } ?: "?"

        /** Masking rules, also used by other parts that print headers. */
        public companion object {
            /** The name this interceptor registers under. */
            public const val NAME: String = "LoggingInterceptor"
        }
    }
