package io.switchboard.auth

import java.security.MessageDigest
import java.util.Base64
import javax.crypto.Mac
import javax.crypto.spec.SecretKeySpec

/**
 * Switchboard's signed-request scheme, shared by the client's `SigningInterceptor` and the server's
 * `HmacAuthenticator`: an HMAC-SHA256, under a secret both sides hold, of
 *
 * ```
 * SWITCHBOARD-HMAC-SHA256
 * <method>
 * <host:port the request is sent to>
 * <request target: path and query, as sent>
 * <timestamp: Unix epoch milliseconds>
 * <nonce>
 * <hex SHA-256 of the body>
 * ```
 *
 * sent in [SIGNATURE] (base64) with [KEY_ID], [TIMESTAMP], [NONCE] and [CONTENT_SHA256]. Each attempt of a call is
 * signed anew, for the instance it goes to. The server refuses another host, a timestamp outside its window, a nonce
 * it has seen within the window (a replay to the same instance; the host bars replays to the others), and a body
 * whose hash is not the one signed. Other headers are not signed: over a network where they could be changed in
 * transit, use TLS.
 */
public object RequestSignature {
    /** The header naming the key the request is signed with. */
    public const val KEY_ID: String = "Switchboard-Auth-Key"

    /** The header with the signing time, Unix epoch milliseconds. */
    public const val TIMESTAMP: String = "Switchboard-Auth-Timestamp"

    /** The header with a value used once. */
    public const val NONCE: String = "Switchboard-Auth-Nonce"

    /** The header with the hex SHA-256 of the body. */
    public const val CONTENT_SHA256: String = "Switchboard-Content-SHA256"

    /** The header with the base64 signature. */
    public const val SIGNATURE: String = "Switchboard-Auth-Signature"

    private const val ALGORITHM = "SWITCHBOARD-HMAC-SHA256"

    /** The hex SHA-256 of [bytes]. */
    @JvmStatic
    public fun sha256Hex(bytes: ByteArray): String =
        MessageDigest.getInstance("SHA-256").digest(bytes).joinToString("") { "%02x".format(it) }

    /** The string a request's signature covers. */
    @JvmStatic
    public fun canonical(
        method: String,
        host: String,
        target: String,
        timestamp: Long,
        nonce: String,
        contentSha256: String,
    ): String = "$ALGORITHM\n${method.uppercase()}\n${host.lowercase()}\n$target\n$timestamp\n$nonce\n$contentSha256"

    /** The base64 HMAC-SHA256 of [canonical] under [secret]. */
    @JvmStatic
    public fun sign(
        secret: ByteArray,
        canonical: String,
    ): String {
        val mac = Mac.getInstance("HmacSHA256")
        mac.init(SecretKeySpec(secret, "HmacSHA256"))
        return Base64.getEncoder().encodeToString(mac.doFinal(canonical.toByteArray()))
    }

    /** Whether [signature] is [expected], compared in constant time. */
    @JvmStatic
    public fun matches(
        expected: String,
        signature: String,
    ): Boolean = MessageDigest.isEqual(expected.toByteArray(), signature.toByteArray())
}
