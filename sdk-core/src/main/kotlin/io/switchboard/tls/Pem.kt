package io.switchboard.tls

import io.switchboard.ConfigurationException
import java.io.ByteArrayInputStream
import java.nio.file.Files
import java.nio.file.Path
import java.security.KeyFactory
import java.security.KeyStore
import java.security.PrivateKey
import java.security.cert.CertificateException
import java.security.cert.CertificateFactory
import java.security.cert.X509Certificate
import java.security.spec.PKCS8EncodedKeySpec
import java.util.Base64
import javax.crypto.Cipher
import javax.crypto.EncryptedPrivateKeyInfo
import javax.crypto.SecretKeyFactory
import javax.crypto.spec.PBEKeySpec

/** Reads certificates and private keys from PEM files and key stores, failing with a message that names the file. */
internal object Pem {
    private val BLOCK = Regex("-----BEGIN ([A-Z0-9 ]+)-----([^-]*)-----END \\1-----")
    private val KEY_ALGORITHMS = listOf("RSA", "EC", "Ed25519", "Ed448", "RSASSA-PSS", "DSA")

    /** Every certificate in PEM file [path], in order (a chain: the leaf first). */
    fun certificates(path: Path): List<X509Certificate> {
        val bytes = read(path, "certificate")
        val certificates =
            try {
                CertificateFactory
                    .getInstance("X.509")
                    .generateCertificates(ByteArrayInputStream(bytes))
                    .map { it as X509Certificate }
            } catch (e: CertificateException) {
                throw ConfigurationException("$path: not a PEM file of X.509 certificates (${e.message})", e)
            }
        if (certificates.isEmpty()) throw ConfigurationException("$path: no certificate in it (expected PEM: -----BEGIN CERTIFICATE-----)")
        return certificates
    }

    /** The private key in PEM file [path]: PKCS #8, encrypted with [password] or not. */
    fun privateKey(
        path: Path,
        password: CharArray?,
    ): PrivateKey {
        val text = read(path, "private key").decodeToString()
        val block = BLOCK.find(text) ?: throw ConfigurationException("$path: no PEM block in it (expected -----BEGIN PRIVATE KEY-----)")
        val type = block.groupValues[1]
        val der =
            try {
                Base64.getMimeDecoder().decode(block.groupValues[2].trim())
            } catch (e: IllegalArgumentException) {
                throw ConfigurationException("$path: the $type block is not valid base64", e)
            }
        val spec =
            when (type) {
                "PRIVATE KEY" -> PKCS8EncodedKeySpec(der)

                "ENCRYPTED PRIVATE KEY" -> decrypt(path, der, password)

                "RSA PRIVATE KEY", "EC PRIVATE KEY" -> throw ConfigurationException(
                    "$path: a $type (PKCS #1 / SEC 1) block; convert it to PKCS #8 with `openssl pkcs8 -topk8 -nocrypt -in KEY -out KEY.pk8`",
                )

                else -> throw ConfigurationException("$path: a $type block, not a private key (expected -----BEGIN PRIVATE KEY-----)")
            }
        for (algorithm in KEY_ALGORITHMS) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(spec)
            } catch (_: Exception) {
                // not this algorithm: try the next
            }
        }
        throw ConfigurationException("$path: the key is none of ${KEY_ALGORITHMS.joinToString()}, or it is damaged")
    }

    /** A key store of [type] at [path], opened with [password]. */
    fun keyStore(
        path: Path,
        password: CharArray,
        type: String,
    ): KeyStore {
        val bytes = read(path, "key store")
        return try {
            KeyStore.getInstance(type).apply { load(ByteArrayInputStream(bytes), password) }
        } catch (e: Exception) {
            throw ConfigurationException("$path: cannot open it as a $type key store (${e.message}); is the password right?", e)
        }
    }

    private fun decrypt(
        path: Path,
        der: ByteArray,
        password: CharArray?,
    ): PKCS8EncodedKeySpec {
        if (password == null) throw ConfigurationException("$path: the private key is encrypted, and no password was given for it")
        return try {
            val info = EncryptedPrivateKeyInfo(der)
            val key = SecretKeyFactory.getInstance(info.algName).generateSecret(PBEKeySpec(password))
            val cipher = Cipher.getInstance(info.algName).apply { init(Cipher.DECRYPT_MODE, key, info.algParameters) }
            info.getKeySpec(cipher)
        } catch (e: Exception) {
            throw ConfigurationException("$path: cannot decrypt the private key (${e.message}); is the password right?", e)
        }
    }

    private fun read(
        path: Path,
        what: String,
    ): ByteArray =
        try {
            Files.readAllBytes(path)
        } catch (e: java.io.IOException) {
            throw ConfigurationException("$path: cannot read the $what file ($e)", e)
        }
}
