package io.switchboard.server

import io.ktor.http.ContentType
import io.ktor.http.HttpHeaders
import io.ktor.http.HttpStatusCode
import io.ktor.server.application.ApplicationCall
import io.ktor.server.response.respondText
import io.switchboard.RetryPolicy
import io.switchboard.SwitchboardHeaders
import io.switchboard.service.BinaryDispatchFormat
import io.switchboard.service.DispatchProtocol
import org.slf4j.LoggerFactory

/** The content types a dispatch or REST body may have, for 415 answers. */
private val SUPPORTED_TYPES =
    (listOf("application/json") + BinaryDispatchFormat.entries.map { it.contentType }).joinToString(", ")

/** Answers with the JSON error body of the dispatch protocol: `{"error":{"type":…,"message":…,"status":…}}`. */
internal suspend fun ApplicationCall.error(
    status: HttpStatusCode,
    type: String,
    message: String,
) = respondText(DispatchProtocol.errorBody(type, message, status.value), ContentType.Application.Json, status)

/**
 * The JSON error answers of a [ServiceServer] that need more than a status and a message: an
 * implementation's exception (500, or 400 for Kotlin's own null check of an argument), an unsupported
 * content type (415), a server that is shutting down (503), a deadline that passed (504).
 */
internal class ErrorResponses(
    private val exposeStackTraces: Boolean,
) {
    /** Answers for an exception [e] thrown by the implementation. */
    suspend fun failed(
        call: ApplicationCall,
        e: Throwable,
    ) {
        if (e is NullPointerException && e.stackTrace.firstOrNull()?.className == "kotlin.jvm.internal.Intrinsics") {
            // Kotlin's own null check of a parameter: the caller sent null for a non-null argument
            return call.error(HttpStatusCode.BadRequest, "BadArgument", "a non-null argument was null: ${e.message}")
        }
        val message = (e.message ?: "") + if (exposeStackTraces) "\n" + e.stackTraceToString() else ""
        call.error(HttpStatusCode.InternalServerError, e.javaClass.name, message)
    }

    /** Answers 415 naming the content type that came and the ones expected. */
    suspend fun unsupported(call: ApplicationCall) =
        call.error(
            HttpStatusCode.UnsupportedMediaType,
            "UnsupportedMediaType",
            "content type '${call.request.headers["Content-Type"]}' is not supported (expected: $SUPPORTED_TYPES)",
        )

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
                    (failure?.let { " (it ended with $it)" } ?: "")
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
    }
}
