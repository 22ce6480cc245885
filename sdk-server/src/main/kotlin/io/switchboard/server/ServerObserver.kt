package io.switchboard.server

import kotlin.coroutines.CoroutineContext
import kotlin.coroutines.EmptyCoroutineContext

/**
 * Watches every request a [ServiceServer] handles and the server's life — what sdk-observability's
 * metrics and traces are built on. Added with [ServiceServerBuilder.addObserver]; Java implements it as
 * it is (no method suspends). Observers are called on the request's thread: return quickly.
 */
public interface ServerObserver {
    /** The observer's name; a second one with the same name is ignored. */
    public val name: String

    /** The server listens now ([ServiceServer.port] is bound): a time to register gauges over it. */
    public fun serverStarted(server: ServiceServer) {}

    /** The server has stopped. */
    public fun serverStopped(server: ServiceServer) {}

    /**
     * A request arrived, before the `Host` check, the drain and authentication; the observation returned is
     * told how it ended, whatever the answer (a 421, a 503 while draining and a 401 included).
     */
    public fun requestStarted(request: ObservedRequest): RequestObservation
}

/** One request, as a [ServerObserver] follows it. */
public interface RequestObservation {
    /**
     * What the rest of the request runs with, the hosted implementation included: a trace context, MDC
     * entries. Read once, right after [ServerObserver.requestStarted].
     */
    public val context: CoroutineContext get() = EmptyCoroutineContext

    /**
     * The request was answered with [status] (499 when it was cancelled before an answer). [route] is the hosted
     * method or endpoint it reached (null when it reached none: a 404, or a refusal before the service and method
     * were looked up — a dispatch call's 401 or 403 included); [failure] is what the implementation threw, when it
     * failed (its 500, or the error status it chose).
     */
    public fun ended(
        status: Int,
        route: ObservedRoute?,
        failure: Throwable?,
    )
}

/**
 * What a request reached on a [ServiceServer].
 *
 * @property template the route's path template: `/orders/{id}` for a REST route, `/_dispatch/orders/find` for a
 *   dispatch call, `/health`, `/openapi.json`.
 * @property serviceName the hosted service, or null for the server's own endpoints (`/health`, OpenAPI).
 * @property methodName the service's method, or null for the server's own endpoints.
 */
public class ObservedRoute(
    public val template: String,
    public val serviceName: String?,
    public val methodName: String?,
) {
    override fun toString(): String = "ObservedRoute($template, service=$serviceName, method=$methodName)"
}
