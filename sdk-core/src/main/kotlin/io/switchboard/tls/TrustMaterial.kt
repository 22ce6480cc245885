package io.switchboard.tls

import io.switchboard.ConfigurationException
import java.nio.file.Path
import java.security.cert.X509Certificate

/**
 * The certificates a peer's certificate must chain to: the JVM's own trusted authorities ([system]), or the given
 * ones only (a company's internal CA, a test CA).
 */
public class TrustMaterial private constructor(
    /** The trusted certificates; null for the JVM's own authorities. */
    public val certificates: List<X509Certificate>?,
) {
    override fun toString(): String =
        certificates?.let { list -> "TrustMaterial(${list.joinToString { KeyMaterial.subject(it) }})" } ?: "TrustMaterial(system)"

    /** Ways to choose what is trusted. */
    public companion object {
        private val SYSTEM = TrustMaterial(null)

        /** The authorities the JVM trusts (its `cacerts`). */
        @JvmStatic
        public fun system(): TrustMaterial = SYSTEM

        /** The certificates in PEM file [path] (one or several `-----BEGIN CERTIFICATE-----` blocks). */
        @JvmStatic
        public fun fromPem(path: Path): TrustMaterial = TrustMaterial(Pem.certificates(path))

        /** The certificate entries of a key store (PKCS #12 by default, or [type] such as `JKS`) at [path]. */
        @JvmStatic
        @JvmOverloads
        public fun fromKeyStore(
            path: Path,
            password: String,
            type: String = "PKCS12",
        ): TrustMaterial {
            val store = Pem.keyStore(path, password.toCharArray(), type)
            val certificates =
                store
                    .aliases()
                    .toList()
                    .filter { store.isCertificateEntry(it) }
                    .mapNotNull { store.getCertificate(it) as? X509Certificate }
            if (certificates.isEmpty()) throw ConfigurationException("$path: no trusted certificate entry in it")
            return TrustMaterial(certificates)
        }

        /** The given certificates. */
        @JvmStatic
        public fun of(vararg certificates: X509Certificate): TrustMaterial {
            if (certificates.isEmpty()) throw ConfigurationException("no certificate to trust (expected at least one)")
            return TrustMaterial(certificates.toList())
        }
    }
}
