package io.switchboard.server.auth

import io.switchboard.auth.CallerIdentity

/** One rule: calls to [service] (and [method], or all its methods when null) need [role], or no credentials at all. */
internal class AccessRule(
    val service: String,
    val method: String?,
    val role: String?,
    val anonymous: Boolean,
) {
    fun covers(
        service: String,
        method: String,
    ): Boolean = this.service == service && (this.method == null || this.method == method)
}

/** Why a call may not run: no identity where one is needed (401), or one without a required role (403). */
internal sealed interface Refusal {
    val message: String

    class Unauthenticated(
        override val message: String,
    ) : Refusal

    class Forbidden(
        override val message: String,
    ) : Refusal
}

/**
 * A server's authenticators and access rules. With no authenticator every call is allowed. With some, a call
 * needs an identity unless a rule lets it in anonymously and no rule covering it requires a role, and the roles
 * every rule covering it requires.
 */
internal class AccessControl(
    val authenticators: List<Authenticator>,
    private val rules: List<AccessRule>,
) {
    val enabled: Boolean get() = authenticators.isNotEmpty()

    /** The challenges a 401 lists. */
    val challenges: List<String> = authenticators.mapNotNull { it.challenge() }.distinct()

    /** The identity [request] authenticates as; null for none. Throws [AuthenticationException] for wrong credentials. */
    fun authenticate(request: InboundRequest): CallerIdentity? {
        for (authenticator in authenticators) authenticator.authenticate(request)?.let { return it }
        return null
    }

    /** Null when [identity] may call [service].[method]; else why not. */
    fun check(
        service: String,
        method: String,
        identity: CallerIdentity?,
    ): Refusal? {
        if (!enabled) return null
        val covering = rules.filter { it.covers(service, method) }
        if (identity == null) {
            // a role is never met without an identity, whatever lets the service in anonymously
            return if (covering.any { it.anonymous } && covering.none { it.role != null }) {
                null
            } else {
                Refusal.Unauthenticated("$service.$method needs credentials (${challenges.joinToString(" or ")})")
            }
        }
        val missing = covering.mapNotNull { it.role }.firstOrNull { !identity.hasRole(it) } ?: return null
        return Refusal.Forbidden("${identity.name} may not call $service.$method: it needs role '$missing'")
    }
}
