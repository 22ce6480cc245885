package io.switchboard.server

import io.ktor.http.HttpStatusCode
import io.ktor.http.URLDecodeException
import io.ktor.server.application.Application
import io.ktor.server.application.ApplicationCall
import io.ktor.server.application.ApplicationCallPipeline
import io.ktor.server.plugins.BadRequestException
import io.switchboard.server.auth.AccessControl
import io.switchboard.server.auth.AuthenticationException
import org.slf4j.LoggerFactory

/**
 * What every request passes before its route: the `Host` allow-list (421), the drain (503 while stopping), the
 * authenticators (401 for wrong credentials; the identity kept for the routes), and, around the route, requests
 * Ktor cannot read (broken percent-encoding) answered as JSON 400s rather than Ktor's plain text.
 */
internal class RequestGate(
    private val allowedHosts: Set<String>?,
    private val calls: InFlightCalls,
    private val access: AccessControl,
    private val errors: ErrorResponses,
) {
    /** Intercepts every call of [application]. */
    fun install(application: Application) {
        application.intercept(ApplicationCallPipeline.Setup) {
            if (allowedHosts != null && !HostAllowList.allows(allowedHosts, context.request.headers["Host"])) {
                errors.hostNotAllowed(context)
                finish()
                return@intercept
            }
            if (!calls.enter()) {
                errors.shuttingDown(context)
                finish()
                return@intercept
            }
            try {
                if (access.enabled && !authenticate(context)) {
                    finish()
                    return@intercept
                }
                try {
                    proceed()
                } catch (e: Exception) {
                    if (e !is URLDecodeException && e !is BadRequestException) throw e
                    if (!context.response.isCommitted) context.error(HttpStatusCode.BadRequest, "MalformedRequest", malformed(e))
                }
            } finally {
                calls.leave()
            }
        }
    }

    /**
     * Establishes the caller of [call] (kept in its attributes for the routes); false after answering 401 for
     * wrong credentials. `/health` is never refused: a caller whose credentials fail sees it as anyone does.
     */
    private suspend fun authenticate(call: ApplicationCall): Boolean {
        val request = KtorInboundRequest(call)
        val identity =
            try {
                access.authenticate(request)
            } catch (e: AuthenticationException) {
                if (call.request.local.uri == "/health") return true
                log.debug(
                    "401 for {} {} from {}: {}",
                    call.request.local.method.value,
                    call.request.local.uri,
                    request.remoteAddress,
                    e.message,
                )
                errors.authenticationFailed(call, e, access.challenges)
                return false
            }
        if (identity != null) call.attributes.put(CALLER, identity)
        return true
    }

    private fun malformed(e: Exception): String {
        val decode = e is URLDecodeException || e.cause is URLDecodeException || e.message?.startsWith("Url decode") == true
        return if (decode) {
            "the request target has broken percent-encoding"
        } else {
            "the request cannot be read: ${excerpt(e.message ?: e.javaClass.simpleName)}"
        }
    }

    private companion object {
        val log = LoggerFactory.getLogger(RequestGate::class.java)
    }
}
