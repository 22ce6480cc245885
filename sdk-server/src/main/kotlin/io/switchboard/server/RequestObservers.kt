package io.switchboard.server

import io.ktor.server.application.Application
import io.ktor.server.application.ApplicationCall
import io.ktor.server.application.ApplicationCallPipeline
import io.ktor.server.plugins.origin
import io.ktor.util.AttributeKey
import kotlinx.coroutines.withContext
import org.slf4j.LoggerFactory
import kotlin.coroutines.CoroutineContext
import kotlin.coroutines.EmptyCoroutineContext

/** The route a call reached, in its attributes, for observers. */
internal val ROUTE: AttributeKey<ObservedRoute> = AttributeKey("switchboard.route")

/** What the implementation threw, in its call's attributes, for observers. */
internal val FAILURE: AttributeKey<Throwable> = AttributeKey("switchboard.failure")

/**
 * Runs each request within its observers' [RequestObservation]s: started first of all (before the `Host` check,
 * the drain and authentication), the rest of the request within their coroutine context, told how it ended.
 */
internal class RequestObservers(
    private val observers: List<ServerObserver>,
    private val scheme: String,
) {
    fun install(application: Application) {
        if (observers.isEmpty()) return
        application.intercept(ApplicationCallPipeline.Setup) {
            val observations = observers.mapNotNull { started(it, context) }
            var thrown: Throwable? = null
            try {
                var extra: CoroutineContext = EmptyCoroutineContext
                for (observation in observations) {
                    try {
                        extra += observation.context
                    } catch (e: Exception) {
                        log.warn("Server observer's context failed for {}: {}", context.request.local.uri, e.toString())
                    }
                }
                if (extra === EmptyCoroutineContext) proceed() else withContext(extra) { proceed() }
            } catch (e: Throwable) {
                thrown = e
                throw e
            } finally {
                // a request cancelled before it was answered (the engine stopping, the caller gone) has no status of its own
                val status =
                    context.response.status()?.value ?: when (thrown) {
                        null -> 200
                        is kotlinx.coroutines.CancellationException -> CANCELLED
                        else -> 500
                    }
                val route = context.attributes.getOrNull(ROUTE)
                val failure = context.attributes.getOrNull(FAILURE) ?: thrown
                for (observation in observations) {
                    try {
                        observation.ended(status, route, failure)
                    } catch (e: Exception) {
                        log.warn("Server observer failed at the end of {}: {}", context.request.local.uri, e.toString())
                    }
                }
            }
        }
    }

    private fun started(
        observer: ServerObserver,
        call: ApplicationCall,
    ): RequestObservation? =
        try {
            observer.requestStarted(request(call))
        } catch (e: Exception) {
            log.warn("Server observer {} failed at the start of {}: {}", observer.name, call.request.local.uri, e.toString())
            null
        }

    private fun request(call: ApplicationCall): ObservedRequest {
        val local = call.request.local
        return ObservedRequest(
            method = local.method.value,
            target = local.uri,
            scheme = scheme,
            serverAddress = local.serverHost,
            serverPort = local.localPort,
            remoteAddress = "${call.request.origin.remoteAddress}:${call.request.origin.remotePort}",
            headers = { call.request.headers[it] },
            allHeaders = { call.request.headers.names() },
        )
    }

    private companion object {
        /** The status observers see for a request cancelled before an answer: nginx's "client closed request". */
        const val CANCELLED = 499
        val log = LoggerFactory.getLogger(RequestObservers::class.java)
    }
}
