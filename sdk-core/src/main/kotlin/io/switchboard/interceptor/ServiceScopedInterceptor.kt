package io.switchboard.interceptor

import io.switchboard.RequestContext
import io.switchboard.ResponseInfo
import io.switchboard.spi.AttemptChain
import io.switchboard.spi.CallChain
import io.switchboard.spi.CallInterceptor
import io.switchboard.spi.Interceptor

/**
 * [delegate] for the calls of some services only ([applies] to their names): a service's own interceptor
 * ([io.switchboard.ServiceSettings.Builder.addInterceptor], named `<name>@<service>` so that several services may
 * have one of the same kind), or a manager's interceptor kept from the services that have their own of its name.
 */
internal open class ServiceScopedInterceptor(
    override val name: String,
    private val delegate: Interceptor,
    private val applies: (String) -> Boolean,
    private val scope: String,
) : Interceptor {
    override val order: Int get() = delegate.order

    override suspend fun beforeRequest(context: RequestContext) {
        if (applies(context.serviceName)) delegate.beforeRequest(context)
    }

    override suspend fun afterResponse(context: RequestContext) {
        if (applies(context.serviceName)) delegate.afterResponse(context)
    }

    override suspend fun handleException(context: RequestContext) {
        if (applies(context.serviceName)) delegate.handleException(context)
    }

    override fun toString(): String = "$delegate $scope"

    /** One whose delegate also wraps calls and attempts (signing): those too only where it applies. */
    private class Calling(
        name: String,
        delegate: Interceptor,
        private val applies: (String) -> Boolean,
        scope: String,
    ) : ServiceScopedInterceptor(name, delegate, applies, scope),
        CallInterceptor {
        private val calls = delegate as CallInterceptor

        override val order: Int get() = calls.order

        override suspend fun interceptCall(chain: CallChain): Any? =
            if (applies(chain.context.serviceName)) calls.interceptCall(chain) else chain.proceed()

        override suspend fun interceptAttempt(chain: AttemptChain): ResponseInfo =
            if (applies(chain.context.serviceName)) calls.interceptAttempt(chain) else chain.proceed()
    }

    companion object {
        private val CREDENTIALS = setOf(AuthInterceptor.NAME, SigningInterceptor.NAME)

        /**
         * The names of the manager's interceptors that a service's own interceptor named [name] replaces for its calls:
         * its own name, and for credentials (a bearer token, a signing key) the other kind too, so that a service sends
         * only its own.
         */
        fun replaces(name: String): Set<String> = if (name in CREDENTIALS) CREDENTIALS else setOf(name)

        /** [interceptor] for the calls of [serviceName] only; a [CallInterceptor] too when it is one. */
        fun of(
            serviceName: String,
            interceptor: Interceptor,
        ): ServiceScopedInterceptor = scoped("${interceptor.name}@$serviceName", interceptor, "for $serviceName") { it == serviceName }

        /** [interceptor] (a manager's) for every call but those of [services], which have their own of its name. */
        fun except(
            services: Set<String>,
            interceptor: Interceptor,
        ): ServiceScopedInterceptor = scoped(interceptor.name, interceptor, "except for $services") { it !in services }

        private fun scoped(
            name: String,
            interceptor: Interceptor,
            scope: String,
            applies: (String) -> Boolean,
        ): ServiceScopedInterceptor =
            if (interceptor is CallInterceptor) {
                Calling(name, interceptor, applies, scope)
            } else {
                ServiceScopedInterceptor(name, interceptor, applies, scope)
            }
    }
}
