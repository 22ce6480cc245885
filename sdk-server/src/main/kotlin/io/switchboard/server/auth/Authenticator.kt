package io.switchboard.server.auth

import io.switchboard.SwitchboardException
import io.switchboard.auth.CallerIdentity
import java.security.cert.X509Certificate

/**
 * Establishes who sent a request to a `ServiceServer`. Several may be installed; each is asked in turn until
 * one recognizes the request's credentials. Java implements it as a lambda.
 */
public fun interface Authenticator {
    /**
     * The caller [request] comes from; null when it carries no credentials this authenticator reads (the next
     * one is asked; with none left the caller is anonymous, which the access rules then allow or answer 401).
     *
     * @throws AuthenticationException when it carries credentials of this kind that are wrong (an unknown token,
     *   a bad signature, an expired timestamp): the call is answered 401 with the exception's message.
     */
    public fun authenticate(request: InboundRequest): CallerIdentity?

    /** The `WWW-Authenticate` challenge a 401 names for this scheme, such as `Bearer realm="switchboard"`; null for none. */
    public fun challenge(): String? = null
}

/**
 * Credentials were presented and are wrong; answered [status] (401) with [message], which must not repeat them.
 * A check that cannot be made now (a replay cache full, a token store down) uses 503: the caller may try another
 * instance, as the call was not run.
 */
public class AuthenticationException
    @JvmOverloads
    constructor(
        message: String,
        public val status: Int = 401,
    ) : SwitchboardException(message)

/** What an [Authenticator] may read of an inbound request. */
public interface InboundRequest {
    /** The HTTP method, upper case. */
    public val method: String

    /** The request target as received: the path and the query. */
    public val target: String

    /** The remote address the request came from (`host:port`). */
    public val remoteAddress: String

    /** The first value of header [name] (case-insensitive); null when absent. */
    public fun header(name: String): String?

    /**
     * Requires the body, when the server reads it, to have the hex SHA-256 [sha256Hex]; a body that does not is
     * answered 401. A signature that covers the body's hash uses this.
     */
    public fun requireBodySha256(sha256Hex: String)

    /**
     * The certificate chain the caller presented in the TLS handshake, its own certificate first; empty over plain
     * HTTP or when it presented none.
     */
    public val peerCertificates: List<X509Certificate> get() = emptyList()
}
