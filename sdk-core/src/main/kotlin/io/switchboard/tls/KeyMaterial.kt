package io.switchboard.tls

import io.switchboard.ConfigurationException
import java.nio.file.Path
import java.security.PrivateKey
import java.security.PublicKey
import java.security.Signature
import java.security.cert.X509Certificate

/**
 * A private key and the certificate chain that goes with it (the leaf first): what a server presents, or a client
 * presents when the server asks for a certificate (mutual TLS). Read when made, so a wrong file or password fails
 * configuration, naming the file.
 *
 * @property privateKey the key.
 * @property certificateChain the leaf certificate, then the certificates that issued it.
 */
public class KeyMaterial private constructor(
    public val privateKey: PrivateKey,
    public val certificateChain: List<X509Certificate>,
) {
    init {
        if (certificateChain.isEmpty()) throw ConfigurationException("a key needs its certificate chain (none given)")
        if (!pairs(privateKey, certificateChain[0].publicKey)) {
            throw ConfigurationException(
                "the private key (${privateKey.algorithm}) is not the one of certificate ${subject(
                    certificateChain[0],
                )}: they are not a pair",
            )
        }
    }

    override fun toString(): String = "KeyMaterial(${subject(certificateChain[0])}, ${privateKey.algorithm})"

    /** Ways to read key material. */
    public companion object {
        /**
         * From PEM files: [certificateChain] (the leaf certificate first, then its issuers) and [privateKey] (PKCS #8,
         * `-----BEGIN PRIVATE KEY-----`, or `ENCRYPTED PRIVATE KEY` with [password]).
         */
        @JvmStatic
        @JvmOverloads
        public fun fromPem(
            certificateChain: Path,
            privateKey: Path,
            password: String? = null,
        ): KeyMaterial = KeyMaterial(Pem.privateKey(privateKey, password?.toCharArray()), Pem.certificates(certificateChain))

        /**
         * From a key store (PKCS #12 by default, or [type] such as `JKS`) at [path], opened with [password]: the key
         * entry [alias], or the only one when null.
         */
        @JvmStatic
        @JvmOverloads
        public fun fromKeyStore(
            path: Path,
            password: String,
            type: String = "PKCS12",
            alias: String? = null,
        ): KeyMaterial {
            val store = Pem.keyStore(path, password.toCharArray(), type)
            val keys = store.aliases().toList().filter { store.isKeyEntry(it) }
            val chosen =
                alias ?: keys.singleOrNull()
                    ?: throw ConfigurationException(
                        "$path: ${if (keys.isEmpty()) "no key entry" else "${keys.size} key entries ($keys); name one as alias"}",
                    )
            val key =
                try {
                    store.getKey(chosen, password.toCharArray()) as? PrivateKey
                } catch (e: Exception) {
                    throw ConfigurationException("$path: cannot read key '$chosen' ($e)", e)
                } ?: throw ConfigurationException("$path: no private key under alias '$chosen'")
            val chain = store.getCertificateChain(chosen).orEmpty().map { it as X509Certificate }
            return KeyMaterial(key, chain)
        }

        /** From a key and its chain held in memory. */
        @JvmStatic
        public fun of(
            privateKey: PrivateKey,
            vararg certificateChain: X509Certificate,
        ): KeyMaterial = KeyMaterial(privateKey, certificateChain.toList())

        internal fun subject(certificate: X509Certificate): String = certificate.subjectX500Principal.name

        /** Whether [private] signs what [public] verifies (true for a kind of key this cannot test). */
        private fun pairs(
            private: PrivateKey,
            public: PublicKey,
        ): Boolean {
            val algorithm =
                when (private.algorithm) {
                    "RSA" -> "SHA256withRSA"
                    "EC" -> "SHA256withECDSA"
                    "Ed25519", "Ed448", "EdDSA" -> private.algorithm
                    else -> return true
                }
            if (public.algorithm != private.algorithm && !(private.algorithm.startsWith("Ed") && public.algorithm.startsWith("Ed"))) {
                return false
            }
            return try {
                val probe = "switchboard key pair probe".toByteArray()
                val signature =
                    Signature.getInstance(algorithm).run {
                        initSign(private)
                        update(probe)
                        sign()
                    }
                Signature.getInstance(algorithm).run {
                    initVerify(public)
                    update(probe)
                    verify(signature)
                }
            } catch (_: Exception) {
                false
            }
        }
    }
}
