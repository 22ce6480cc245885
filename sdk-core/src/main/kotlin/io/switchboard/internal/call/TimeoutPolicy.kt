package io.switchboard.internal.call

import io.switchboard.RequestContext
import io.switchboard.ServiceSettings
import io.switchboard.TimeoutKind
import io.switchboard.internal.HttpSettings
import java.time.Duration

/**
 * Where every timeout of a call is decided, in one place: the call's own, else its service's, else the
 * manager's. The engine gets the manager's connect and read timeouts as its defaults; a call carries
 * the ones that differ, and its [Deadline] bounds the whole call.
 */
internal class TimeoutPolicy(
    private val settings: HttpSettings,
    private val services: Map<String, ServiceSettings>,
) {
    /** The budget of the whole call. */
    fun requestTimeout(context: RequestContext): Duration? =
        context.timeout ?: services[context.serviceName]?.requestTimeout ?: settings.requestTimeout

    /** How long connecting to an instance of [serviceName] may take. */
    fun connectTimeout(serviceName: String): Duration = services[serviceName]?.connectTimeout ?: settings.connectTimeout

    /** How long a connection to [serviceName] may stay silent. */
    fun readTimeout(serviceName: String): Duration = services[serviceName]?.readTimeout ?: settings.readTimeout

    /** The connect and read timeouts of [serviceName] when they differ from the engine's defaults; null when they don't. */
    fun transportOverrides(serviceName: String): ServiceSettings? {
        val own = services[serviceName] ?: return null
        return if (own.connectTimeout != null || own.readTimeout != null) own else null
    }

    /** The value of the timeout of [kind] that applies to [context], for error messages. */
    fun valueOf(
        kind: TimeoutKind,
        context: RequestContext,
        deadline: Deadline,
    ): Duration? =
        when (kind) {
            TimeoutKind.CONNECT -> connectTimeout(context.serviceName)
            TimeoutKind.READ -> readTimeout(context.serviceName)
            TimeoutKind.REQUEST -> deadline.timeout ?: requestTimeout(context)
            TimeoutKind.ATTEMPT -> context.attemptTimeout
            TimeoutKind.DEADLINE -> deadline.timeout
        }
}
