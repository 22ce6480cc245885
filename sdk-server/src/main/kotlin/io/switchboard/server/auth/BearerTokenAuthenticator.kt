package io.switchboard.server.auth

import io.switchboard.auth.CallerIdentity
import io.switchboard.auth.RequestSignature
import java.util.function.Function

/**
 * Authenticates `Authorization: Bearer <token>` against known tokens (from configuration, say), or through a lookup
 * of the application's own ([withLookup]: a token store, which then sees the token). Known tokens are kept and looked
 * up by their SHA-256, so neither memory nor the lookup's timing gives one away. A request without a bearer token is
 * left to the next authenticator; one with an unknown token is answered 401.
 */
public class BearerTokenAuthenticator private constructor(
    private val lookup: (String) -> CallerIdentity?,
) : Authenticator {
    /** Each token in [tokens] authenticates as its identity. */
    public constructor(tokens: Map<String, CallerIdentity>) : this(hashed(tokens))

    override fun authenticate(request: InboundRequest): CallerIdentity? {
        val header = request.header("Authorization") ?: return null
        if (!header.startsWith(PREFIX, ignoreCase = true)) return null
        val token = header.substring(PREFIX.length).trim()
        if (token.isEmpty()) throw AuthenticationException("the bearer token is empty")
        return lookup(token) ?: throw AuthenticationException("the bearer token is not one this server knows")
    }

    override fun challenge(): String = "Bearer realm=\"switchboard\""

    override fun toString(): String = "BearerTokenAuthenticator"

    /** Factories. */
    public companion object {
        private const val PREFIX = "Bearer "

        private fun hashed(tokens: Map<String, CallerIdentity>): (String) -> CallerIdentity? {
            require(tokens.keys.none { it.isBlank() }) { "tokens: a blank token (expected: non-blank tokens)" }
            val byHash = tokens.mapKeys { (token, _) -> RequestSignature.sha256Hex(token.toByteArray()) }
            return { token -> byHash[RequestSignature.sha256Hex(token.toByteArray())] }
        }

        /** Tokens checked by [lookup] (a token store, say): the identity of a token, or null when it is not known. */
        @JvmStatic
        public fun withLookup(lookup: Function<String, CallerIdentity?>): BearerTokenAuthenticator =
            BearerTokenAuthenticator { token -> lookup.apply(token) }
    }
}
