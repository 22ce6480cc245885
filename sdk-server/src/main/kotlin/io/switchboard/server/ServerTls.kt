package io.switchboard.server

import io.netty.handler.ssl.ClientAuth
import io.netty.handler.ssl.SslContext
import io.netty.handler.ssl.SslContextBuilder
import io.switchboard.ConfigurationException
import io.switchboard.tls.KeyMaterial
import io.switchboard.tls.TrustMaterial

/**
 * TLS on a [ServiceServer]: the certificate it presents ([identity]), and whether it asks callers for theirs
 * ([clientCertificates]) and what those must chain to ([trust]). A server with TLS registers its instances as
 * secure, so callers reach it over `https`; with client certificates required, a `CertificateAuthenticator` turns
 * a caller's certificate into its identity.
 *
 * Built eagerly: a key that does not fit its certificate fails here, not at the first connection.
 *
 * @property identity the server's certificate chain and key.
 * @property clientCertificates whether callers must present a certificate, may, or are not asked.
 * @property trust what callers' certificates must chain to; null when they are not asked for.
 */
public class ServerTls private constructor(
    public val identity: KeyMaterial,
    public val clientCertificates: ClientCertificates,
    public val trust: TrustMaterial?,
) {
    /** Whether a server asks callers for a certificate. */
    public enum class ClientCertificates {
        /** Not asked for: any caller may complete the handshake. */
        NONE,

        /** Asked for and checked when presented; a caller may present none (and is then anonymous to TLS). */
        OPTIONAL,

        /** Required: a caller without a certificate [trust] vouches for fails the handshake. */
        REQUIRED,
    }

    internal val context: SslContext =
        try {
            SslContextBuilder
                .forServer(identity.privateKey, *identity.certificateChain.toTypedArray())
                .apply {
                    if (clientCertificates != ClientCertificates.NONE) {
                        trust?.certificates?.let { trustManager(*it.toTypedArray()) }
                        clientAuth(if (clientCertificates == ClientCertificates.REQUIRED) ClientAuth.REQUIRE else ClientAuth.OPTIONAL)
                    }
                }.build()
        } catch (e: Exception) {
            throw ConfigurationException("cannot make the TLS server context from $identity: ${e.message ?: e}", e)
        }

    /**
     * These settings with client certificates required, chaining to [trust]: certificates of the callers' own CA.
     * The JVM's public authorities are refused here, as anyone can get a certificate from those.
     */
    public fun requireClientCertificates(trust: TrustMaterial): ServerTls = ServerTls(identity, ClientCertificates.REQUIRED, own(trust))

    /** These settings with client certificates asked for, checked against [trust] when presented, but not required. */
    public fun requestClientCertificates(trust: TrustMaterial): ServerTls = ServerTls(identity, ClientCertificates.OPTIONAL, own(trust))

    private fun own(trust: TrustMaterial): TrustMaterial {
        if (trust.certificates == null) {
            throw ConfigurationException(
                "client certificates need trust material of their own (the CA that issues your callers' certificates), " +
                    "not the JVM's public authorities, which vouch for anyone's certificate",
            )
        }
        return trust
    }

    override fun toString(): String = "ServerTls($identity, client certificates $clientCertificates)"

    /** Factories. */
    public companion object {
        /** TLS with [identity], not asking callers for certificates. */
        @JvmStatic
        public fun of(identity: KeyMaterial): ServerTls = ServerTls(identity, ClientCertificates.NONE, null)
    }
}
