package io.switchboard.client

import io.switchboard.RequestBody
import io.switchboard.RequestContext
import io.switchboard.Secrets
import io.switchboard.codec.JsonCodec
import io.switchboard.spi.Codec
import io.switchboard.spi.Interceptor
import org.slf4j.Logger
import org.slf4j.LoggerFactory
import org.slf4j.event.Level

/**
 * Logs each request: method, target, path, tracking token, headers and query (secrets masked) and the
 * body — as it goes on the wire ([serialized], the default) or as the object given — truncated to
 * [maxBody] characters, or hidden with [logBody] false. Secret-named fields in bodies are masked too.
 */
public class RequestLoggerPlugin
    @JvmOverloads
    constructor(
        private val logger: Logger = LoggerFactory.getLogger("io.switchboard.client"),
        private val level: Level = Level.INFO,
        private val serialized: Boolean = true,
        private val logBody: Boolean = true,
        private val maxBody: Int = 1_024,
        private val codec: Codec = JsonCodec(),
    ) : Interceptor {
        override val name: String get() = "RequestLogger"
        override val order: Int get() = 100_000

        override suspend fun beforeRequest(context: RequestContext) {
            if (!logger.isEnabledForLevel(level)) return
            logger
                .atLevel(level)
                .log(
                    "→ {} {}{} token={} headers={} query={} body={}",
                    context.method,
                    context.serviceName,
                    Secrets.maskedPath(context.path),
                    context.attributes[TrackingTokenPlugin.ATTRIBUTE] ?: "-",
                    Secrets.masked(context.headers),
                    Secrets.masked(context.queryParameters),
                    if (logBody) describe(context.body) else "(hidden)",
                )
        }

        private fun describe(body: RequestBody?): String =
            when (body) {
                null -> {
                    "-"
                }

                is RequestBody.Json -> {
                    runCatching {
                        clip(maskSecrets(if (serialized) codec.encode(body.value, body.type).decodeToString() else body.value.toString()))
                    }.getOrElse { "(a ${body.value?.javaClass?.name} the logger's codec cannot encode)" }
                }

                is RequestBody.Text -> {
                    clip(maskSecrets(body.text))
                }

                is RequestBody.Form -> {
                    clip(Secrets.masked(body.fields).toString())
                }

                is RequestBody.Bytes -> {
                    "(${body.bytes.size} bytes of ${body.contentType})"
                }
            }

        private fun clip(text: String): String = if (text.length <= maxBody) text else text.take(maxBody) + "…(${text.length} chars)"
    }

/**
 * Logs each response: status, instance, elapsed time, tracking token, and the body as received (for
 * calls whose body was read into memory, such as a [ServiceClient]'s; a streamed body is never read),
 * truncated to [maxBody] characters, secret-named fields masked, or hidden with [logBody] false.
 * Failures log at WARN.
 */
public class ResponseLoggerPlugin
    @JvmOverloads
    constructor(
        private val logger: Logger = LoggerFactory.getLogger("io.switchboard.client"),
        private val level: Level = Level.INFO,
        private val logBody: Boolean = true,
        private val maxBody: Int = 1_024,
    ) : Interceptor {
        override val name: String get() = "ResponseLogger"
        override val order: Int get() = 100_001

        override suspend fun afterResponse(context: RequestContext) {
            if (!logger.isEnabledForLevel(level)) return
            val bytes = context.attributes[BODY] as? ByteArray
            val body =
                when {
                    !logBody -> {
                        "(hidden)"
                    }

                    bytes == null -> {
                        "(not read)"
                    }

                    else -> {
                        maskSecrets(bytes.decodeToString()).let {
                            if (it.length <=
                                maxBody
                            ) {
                                it
                            } else {
                                it.take(maxBody) + "…(${it.length} chars)"
                            }
                        }
                    }
                }
            logger
                .atLevel(level)
                .log(
                    "← {} {}{} status={} from {} in {} ms token={} body={}",
                    context.method,
                    context.serviceName,
                    Secrets.maskedPath(context.path),
                    context.response?.status,
                    context.selectedInstance?.address,
                    context.duration?.toMillis(),
                    context.attributes[TrackingTokenPlugin.ATTRIBUTE] ?: "-",
                    body,
                )
        }

        override suspend fun handleException(context: RequestContext) {
            logger.warn(
                "✗ {} {}{} failed after {} ms token={}: {}",
                context.method,
                context.serviceName,
                Secrets.maskedPath(context.path),
                context.duration?.toMillis(),
                context.attributes[TrackingTokenPlugin.ATTRIBUTE] ?: "-",
                context.exception?.message,
            )
        }

        internal companion object {
            /** The body bytes of a response read into memory, set by the client. */
            const val BODY = "switchboard.responseBody"
        }
    }

private val secretField =
    Regex(
        """("[^"]*(?:password|passwd|secret|token|api[-_]?key|credential|authorization|cookie)[^"]*"\s*:\s*)("(?:[^"\\]|\\.)*"|[^,}\]\s]+)""",
        RegexOption.IGNORE_CASE,
    )
private val secretPair =
    Regex("""(\b\w*(?:password|passwd|secret|token|apikey|api_key|credential)\w*=)([^&,\s)]+)""", RegexOption.IGNORE_CASE)

/** [text] with the values of secret-named JSON fields and `name=value` pairs replaced by `***`. */
internal fun maskSecrets(text: String): String =
    secretPair.replace(secretField.replace(text) { it.groupValues[1] + "\"***\"" }) {
        it.groupValues[1] +
            "***"
    }
