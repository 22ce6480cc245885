package io.switchboard.server.auth

import io.switchboard.auth.CallerIdentity
import java.security.cert.X509Certificate
import java.util.function.Function
import javax.naming.ldap.LdapName

/**
 * Authenticates callers by the certificate they presented in the TLS handshake (mutual TLS; see
 * `ServerTls.requireClientCertificates`), which the handshake has already checked against the server's trust
 * material. [identify] names the caller and its roles from the certificate, or returns null to refuse it (401). By
 * default every trusted certificate is accepted, named by its subject's common name (CN), with no roles. A request
 * without a certificate is left to the next authenticator.
 */
public class CertificateAuthenticator
    @JvmOverloads
    constructor(
        private val identify: Function<X509Certificate, CallerIdentity?> =
            Function { CallerIdentity(commonName(it), SCHEME) },
    ) : Authenticator {
        override fun authenticate(request: InboundRequest): CallerIdentity? {
            val certificate = request.peerCertificates.firstOrNull() ?: return null
            return identify.apply(certificate)
                ?: throw AuthenticationException("the client certificate of '${commonName(certificate)}' is not one this server accepts")
        }

        override fun toString(): String = "CertificateAuthenticator"

        /** Helpers. */
        public companion object {
            /** The [CallerIdentity.scheme] of callers identified by certificate. */
            public const val SCHEME: String = "mtls"

            /**
             * Accepts only the certificates whose common name is a key of [rolesByName], with the roles it maps to;
             * any other trusted certificate is refused (401).
             */
            @JvmStatic
            public fun byCommonName(rolesByName: Map<String, Set<String>>): CertificateAuthenticator {
                val known = rolesByName.toMap()
                return CertificateAuthenticator { certificate ->
                    val name = commonName(certificate)
                    known[name]?.let { CallerIdentity(name, SCHEME, it) }
                }
            }

            /** The common name (CN) of [certificate]'s subject, or the whole subject when it has none. */
            @JvmStatic
            public fun commonName(certificate: X509Certificate): String {
                val subject = certificate.subjectX500Principal.name
                return runCatching {
                    LdapName(subject)
                        .rdns
                        .lastOrNull { it.type.equals("CN", ignoreCase = true) }
                        ?.value
                        ?.toString()
                }.getOrNull() ?: subject
            }
        }
    }
