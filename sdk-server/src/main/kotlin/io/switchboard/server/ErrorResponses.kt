package io.switchboard.server

import io.ktor.http.ContentType
import io.ktor.http.HttpHeaders
import io.ktor.http.HttpStatusCode
import io.ktor.server.application.ApplicationCall
import io.ktor.server.response.respondText
import io.switchboard.RetryPolicy
import io.switchboard.SwitchboardHeaders
import io.switchboard.server.auth.AuthenticationException
import io.switchboard.service.BinaryDispatchFormat
import io.switchboard.service.DispatchProtocol
import io.switchboard.service.ServiceErrorException
import org.slf4j.LoggerFactory

/** The content types a dispatch or REST body may have, for 415 answers. */
private val SUPPORTED_TYPES =
    (listOf("application/json") + BinaryDispatchFormat.entries.map { it.contentType }).joinToString(", ")

/** [text] as an error message may repeat it: whole up to [max] characters, else its start and its length. */
internal fun excerpt(
    text: String,
    max: Int = 64,
): String = if (text.length <= max) text else text.take(max) + "… (${text.length} characters)"

/** Answers with the JSON error body of the dispatch protocol: `{"error":{"type":…,"message":…,"status":…[,"id":…]}}`. */
internal suspend fun ApplicationCall.error(
    status: HttpStatusCode,
    type: String,
    message: String,
    id: String? = null,
) = respondText(DispatchProtocol.errorBody(type, message, status.value, id), ContentType.Application.Json, status)

/**
 * The JSON error answers of a [ServiceServer] that need more than a status and a message: an
 * implementation's exception (its own [ServiceErrorException] as it is; anything else a 500 with an error id,
 * logged once), an unsupported content type (415), a server that is shutting down (503), a deadline that
 * passed (504).
 *
 * @param exposeErrorMessages whether a 500 carries the exception's class and message (they may hold secrets).
 * @param exposeStackTraces whether it carries the stack trace too (with [exposeErrorMessages]).
 */
internal class ErrorResponses(
    private val exposeErrorMessages: Boolean,
    private val exposeStackTraces: Boolean,
) {
    /** Answers 421 for a request whose `Host` header names a host this server does not answer for. */
    suspend fun hostNotAllowed(call: ApplicationCall) {
        val host = call.request.headers["Host"]
        call.error(
            HttpStatusCode(421, "Misdirected Request"),
            "HostNotAllowed",
            if (host == null) "the request names no host (Host header)" else "this server does not answer for host '${excerpt(host)}'",
        )
    }

    /** Answers for an exception [e] thrown by the implementation of [what] (`Service.method`). */
    suspend fun failed(
        call: ApplicationCall,
        what: String,
        e: Throwable,
        implementation: Class<*>,
        methodName: String,
    ) {
        call.attributes.put(FAILURE, e)
        if (e is ServiceErrorException) return call.error(HttpStatusCode.fromValue(e.status), e.type, e.message ?: "")
        kotlinNullCheck(e, implementation, methodName)?.let { parameter ->
            // a Kotlin implementation's own check of a parameter its interface leaves nullable
            return call.error(HttpStatusCode.BadRequest, "BadArgument", "argument '$parameter' of $what must not be null")
        }
        val id = newErrorId()
        log.error("{} failed; answered 500 with error id {}", what, id, e)
        if (exposeErrorMessages) {
            val message = (e.message ?: "") + if (exposeStackTraces) "\n" + e.stackTraceToString() else ""
            call.error(HttpStatusCode.InternalServerError, e.javaClass.name, message, id)
        } else {
            call.error(HttpStatusCode.InternalServerError, "InternalError", "$what failed; the server logged it with error id $id", id)
        }
    }

    /**
     * The parameter named by Kotlin's `Parameter specified as non-null is null: method …, parameter x` when the check
     * is the hosted method's own (its implementation's frame on top: Kotlin trims the check itself away); null for
     * any other failure, a null check deeper in the implementation included, which is the server's bug, not the caller's.
     */
    private fun kotlinNullCheck(
        e: Throwable,
        implementation: Class<*>,
        methodName: String,
    ): String? {
        if (e !is NullPointerException) return null
        val message = e.message ?: return null
        if (!message.startsWith("Parameter specified as non-null is null:")) return null
        val top = e.stackTrace.firstOrNull() ?: return null
        if (top.className != implementation.name || top.methodName != methodName) return null
        return message.substringAfterLast("parameter ", "").takeIf { it.isNotEmpty() }
    }

    /** Answers 401 with [message] and the [challenges] the server accepts. */
    suspend fun unauthenticated(
        call: ApplicationCall,
        message: String,
        challenges: List<String>,
    ) {
        challenges.forEach { call.response.headers.append(HttpHeaders.WWWAuthenticate, it) }
        call.error(HttpStatusCode.Unauthorized, "Unauthenticated", message)
    }

    /**
     * Answers an authenticator's refusal [e]: 401 with its message and the [challenges]; or, for a check that could
     * not be made now (status 503), 503 marked not processed, so the caller may try another instance.
     */
    suspend fun authenticationFailed(
        call: ApplicationCall,
        e: AuthenticationException,
        challenges: List<String>,
    ) {
        if (e.status == HttpStatusCode.ServiceUnavailable.value) {
            call.response.headers.append(RetryPolicy.NOT_PROCESSED_HEADER, "true")
            call.error(HttpStatusCode.ServiceUnavailable, "AuthenticationUnavailable", e.message ?: "try again")
        } else {
            unauthenticated(call, e.message ?: "bad credentials", challenges)
        }
    }

    /** Answers 403 with [message]. */
    suspend fun forbidden(
        call: ApplicationCall,
        message: String,
    ) = call.error(HttpStatusCode.Forbidden, "Forbidden", message)

    /** Answers 415 naming the content type that came and the ones expected. */
    suspend fun unsupported(call: ApplicationCall) {
        val type = call.request.headers["Content-Type"]
        call.error(
            HttpStatusCode.UnsupportedMediaType,
            "UnsupportedMediaType",
            (if (type == null) "the request has no Content-Type" else "content type '${excerpt(type)}' is not supported") +
                " (expected: $SUPPORTED_TYPES)",
        )
    }

    /**
     * Answers 504: [limit] passed before the implementation of [what] finished ([started]: it was cancelled) or
     * before it started (it was not run). When it was the caller's own deadline, the answer says so in
     * [SwitchboardHeaders.DEADLINE_EXCEEDED], and the caller reports its timeout rather than the status.
     */
    suspend fun deadlinePassed(
        call: ApplicationCall,
        what: String,
        limit: InboundLimit,
        started: Boolean,
        failure: Throwable?,
    ) {
        val message =
            if (started) {
                "${limit.describe()} passed before $what finished; the implementation was cancelled" +
                    (failure?.let { " (it ended with ${if (exposeErrorMessages) it.toString() else it.javaClass.simpleName})" } ?: "")
            } else {
                "${limit.describe()} had passed before $what could start; the implementation was not run"
            }
        log.debug("504 for {}: {}", what, message)
        if (limit.fromCaller) call.response.headers.append(SwitchboardHeaders.DEADLINE_EXCEEDED, "true")
        call.error(HttpStatusCode.GatewayTimeout, "DeadlineExceeded", message)
    }

    /** Answers 503: the server is draining before it stops; the call was not run, so a caller may send it anywhere else. */
    suspend fun shuttingDown(call: ApplicationCall) {
        call.response.headers.append(RetryPolicy.NOT_PROCESSED_HEADER, "true")
        // the caller's connection closes cleanly now, not when the listener stops under a request it sends
        call.response.headers.append(HttpHeaders.Connection, "close")
        call.error(HttpStatusCode.ServiceUnavailable, "ShuttingDown", "this server is shutting down; call another instance")
    }

    private companion object {
        val log = LoggerFactory.getLogger(ErrorResponses::class.java)

        /** 16 hex digits: enough to find one failure in the log, nothing about it. */
        fun newErrorId(): String =
            java.lang.Long
                .toHexString(
                    java.util.concurrent.ThreadLocalRandom
                        .current()
                        .nextLong(),
                ).padStart(16, '0')
    }
}
