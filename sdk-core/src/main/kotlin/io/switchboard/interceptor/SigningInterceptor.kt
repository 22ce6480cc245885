package io.switchboard.interceptor

import io.switchboard.RequestBody
import io.switchboard.RequestContext
import io.switchboard.ResponseInfo
import io.switchboard.auth.RequestSignature
import io.switchboard.codec.JsonCodec
import io.switchboard.internal.call.encodeBody
import io.switchboard.internal.call.requestTarget
import io.switchboard.spi.AttemptChain
import io.switchboard.spi.CallInterceptor
import io.switchboard.spi.Interceptor
import org.slf4j.LoggerFactory
import java.security.SecureRandom
import java.util.HexFormat

/**
 * Signs every attempt of every call with [RequestSignature]'s scheme under the secret of key [keyId], for a server
 * with an `HmacAuthenticator` holding the same key: the method, the instance's host and port, the path and query as
 * sent, the time, a fresh nonce and the body's SHA-256. The body is encoded here, once, and sent as the bytes that
 * were signed. It is both an [Interceptor] and a [CallInterceptor]; `addInterceptor` installs it as both.
 *
 * From configuration: `service-caller.interceptors.signing` with `key-id` and `secret` (`${SIGNING_SECRET}`).
 * The secret never appears in [toString].
 */
public class SigningInterceptor(
    private val keyId: String,
    secret: ByteArray,
) : Interceptor,
    CallInterceptor {
    private val secret: ByteArray = secret.copyOf()

    /** A key with a text [secret] (its UTF-8 bytes), as configuration gives it. */
    public constructor(keyId: String, secret: String) : this(keyId, secret.toByteArray())

    init {
        require(keyId.isNotBlank()) { "keyId: '$keyId' (expected: the name of the key the server knows)" }
        require(
            this.secret.size >= MIN_SECRET_BYTES,
        ) { "secret of key $keyId: ${this.secret.size} bytes (expected: at least $MIN_SECRET_BYTES)" }
    }

    override val name: String get() = NAME

    // last: what other interceptors change in the path, headers or body is what gets signed
    override val order: Int get() = Int.MAX_VALUE

    /** Encodes the body once, so every attempt sends (and signs) the same bytes. */
    override suspend fun beforeRequest(context: RequestContext) {
        val encoded = encodeBody(context, context.codec ?: defaultCodec)
        val bytes = encoded?.bytes ?: EMPTY
        if (encoded != null) context.body = RequestBody.Bytes(bytes, encoded.contentType)
        context.attributes[CONTENT_SHA256_ATTRIBUTE] = RequestSignature.sha256Hex(bytes)
    }

    /** Signs each attempt anew, for the instance it goes to, with a fresh nonce: a retry is never taken for a replay. */
    override suspend fun interceptAttempt(chain: AttemptChain): ResponseInfo {
        val context = chain.context
        val contentSha256 = context.attributes[CONTENT_SHA256_ATTRIBUTE] as? String ?: RequestSignature.sha256Hex(EMPTY)
        val timestamp = System.currentTimeMillis()
        val nonce = ByteArray(NONCE_BYTES).also(random::nextBytes).let(HexFormat.of()::formatHex)
        val canonical =
            RequestSignature.canonical(
                context.method,
                chain.instance.address,
                requestTarget(context),
                timestamp,
                nonce,
                contentSha256,
            )
        context.headers[RequestSignature.KEY_ID] = keyId
        context.headers[RequestSignature.TIMESTAMP] = timestamp.toString()
        context.headers[RequestSignature.NONCE] = nonce
        context.headers[RequestSignature.CONTENT_SHA256] = contentSha256
        context.headers[RequestSignature.SIGNATURE] = RequestSignature.sign(secret, canonical)
        return chain.proceed()
    }

    override suspend fun afterResponse(context: RequestContext) {
        if (context.response?.status == 401) {
            log.warn(
                "Signed call to {}{} refused with 401 by {} (key {})",
                context.serviceName,
                context.path,
                context.selectedInstance?.address,
                keyId,
            )
        }
    }

    override fun toString(): String = "SigningInterceptor(key=$keyId, secret=***)"

    /** Names and limits. */
    public companion object {
        /** The name this interceptor registers under. */
        public const val NAME: String = "SigningInterceptor"

        /** The shortest secret accepted: 32 bytes, the strength of the SHA-256 it keys. */
        public const val MIN_SECRET_BYTES: Int = 32

        private const val NONCE_BYTES = 16
        private const val CONTENT_SHA256_ATTRIBUTE = "switchboard.signing.content-sha256"
        private val EMPTY = ByteArray(0)
        private val random = SecureRandom()
        private val defaultCodec = JsonCodec()
        private val log = LoggerFactory.getLogger(SigningInterceptor::class.java)
    }
}
