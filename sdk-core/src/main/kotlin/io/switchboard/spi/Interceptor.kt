package io.switchboard.spi

import io.switchboard.RequestContext

/**
 * Runs around every call of a manager: [beforeRequest] before the instance is chosen and the request
 * sent, then [afterResponse] on success or [handleException] on failure.
 *
 * Interceptors run in ascending [order] (smaller first) in every phase; a manager keeps only the first
 * interceptor of a given [name]. Kotlin implements this interface with suspend functions; Java
 * implements [JavaInterceptor] with plain methods.
 */
public interface Interceptor {
    /** The interceptor's name; a second interceptor with the same name is ignored. */
    public val name: String

    /** Position in the chain: smaller runs first. */
    public val order: Int get() = 0

    /** Before the request: may change [RequestContext.headers], query parameters, body and timeout. */
    public suspend fun beforeRequest(context: RequestContext) {}

    /** After a successful response was received and decoded. */
    public suspend fun afterResponse(context: RequestContext) {}

    /** After the call failed; [RequestContext.exception] says why. The exception still reaches the caller. */
    public suspend fun handleException(context: RequestContext) {}
}

/**
 * The Java face of [Interceptor]: the same three phases as plain methods, each with a do-nothing
 * default. Add one with `ServiceManager.addInterceptor(JavaInterceptor)`.
 *
 * The methods run on the thread of the call; keep them short and non-blocking.
 */
public interface JavaInterceptor {
    /** The interceptor's name; a second interceptor with the same name is ignored. */
    public fun getName(): String

    /** Position in the chain: smaller runs first. */
    public fun getOrder(): Int = 0

    /** Before the request. */
    public fun beforeRequest(context: RequestContext) {}

    /** After a successful response. */
    public fun afterResponse(context: RequestContext) {}

    /** After the call failed. */
    public fun handleException(context: RequestContext) {}

    /** Wraps this as an [Interceptor]. */
    public fun asInterceptor(): Interceptor = JavaInterceptorAdapter(this)
}

private class JavaInterceptorAdapter(
    private val delegate: JavaInterceptor,
) : Interceptor {
    override val name: String get() = delegate.getName()
    override val order: Int get() = delegate.getOrder()

    override suspend fun beforeRequest(context: RequestContext) = delegate.beforeRequest(context)

    override suspend fun afterResponse(context: RequestContext) = delegate.afterResponse(context)

    override suspend fun handleException(context: RequestContext) = delegate.handleException(context)

    override fun toString(): String = delegate.toString()
}
