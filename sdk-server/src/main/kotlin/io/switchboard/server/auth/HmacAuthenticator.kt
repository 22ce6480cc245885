package io.switchboard.server.auth

import io.switchboard.auth.CallerIdentity
import io.switchboard.auth.RequestSignature
import java.time.Duration

/**
 * Authenticates requests signed with [RequestSignature]'s scheme (a caller's `SigningInterceptor`): the key must
 * be known, the timestamp within [window] of this server's clock, the signature right, the nonce unseen within
 * the window (a replayed request is refused), and the body, when read, the one whose hash was signed.
 *
 * @param keys each key id's secret (at least 32 bytes) and the identity it authenticates as.
 * @param window how far a request's timestamp may be from now, either way; 5 minutes by default.
 * @param maxNonces how many nonces are remembered at most; past a third of it within one window (a flood of signed
 *   requests) signed requests are answered 503, marked not processed, rather than checked for replays less carefully.
 */
public class HmacAuthenticator
    @JvmOverloads
    constructor(
        keys: Map<String, SigningKey>,
        private val window: Duration = Duration.ofMinutes(5),
        private val maxNonces: Int = 1_000_000,
    ) : Authenticator {
        private val keys = keys.toMap()

        // nonces in three generations of one window each: a nonce stays at least two windows, as long as a request
        // carrying it can be inside the window (its timestamp may be up to one window ahead); dropping the oldest
        // generation is the only cleanup
        private val generations = Array(3) { HashSet<String>() }
        private var generationStart = System.currentTimeMillis()
        private val perGeneration = maxOf(1, maxNonces / 3)

        init {
            require(this.keys.isNotEmpty()) { "keys: none (expected: at least one key id and secret)" }
            require(!window.isNegative && !window.isZero) { "window: $window (expected: > 0)" }
        }

        override fun authenticate(request: InboundRequest): CallerIdentity? {
            val keyId = request.header(RequestSignature.KEY_ID)
            val signature = request.header(RequestSignature.SIGNATURE)
            if (keyId == null && signature == null) return null
            val timestampText = request.header(RequestSignature.TIMESTAMP)
            val nonce = request.header(RequestSignature.NONCE)
            val contentSha256 = request.header(RequestSignature.CONTENT_SHA256)
            if (keyId == null || signature == null || timestampText == null || nonce == null || contentSha256 == null) {
                throw AuthenticationException(
                    "a signed request needs all of ${RequestSignature.KEY_ID}, ${RequestSignature.TIMESTAMP}, ${RequestSignature.NONCE}, " +
                        "${RequestSignature.CONTENT_SHA256} and ${RequestSignature.SIGNATURE}",
                )
            }
            val key = keys[keyId] ?: throw AuthenticationException("the signing key '${keyId.take(64)}' is not one this server knows")
            val timestamp = timestampText.toLongOrNull() ?: throw AuthenticationException("${RequestSignature.TIMESTAMP} is not a number")
            val now = System.currentTimeMillis()
            val skew = now - timestamp
            if (Math.abs(skew) > window.toMillis()) {
                throw AuthenticationException(
                    "the request was signed ${skew / 1000} s from this server's time, outside the ${window.seconds} s window (are the clocks in sync?)",
                )
            }
            if (nonce.length !in 16..128) throw AuthenticationException("${RequestSignature.NONCE} must be 16 to 128 characters")
            val host = hostWithPort(request.header("Host") ?: throw AuthenticationException("a signed request needs a Host header"))
            val canonical = RequestSignature.canonical(request.method, host, request.target, timestamp, nonce, contentSha256)
            if (!RequestSignature.matches(RequestSignature.sign(key.secret, canonical), signature)) {
                throw AuthenticationException("the signature does not match the request (key '$keyId')")
            }
            remember("$keyId:$nonce", now)
            request.requireBodySha256(contentSha256)
            return key.identity
        }

        /** Records [nonce]; one seen before within the window is a replay. Past [maxNonces] per window, 503. */
        private fun remember(
            nonce: String,
            now: Long,
        ) = synchronized(generations) {
            val elapsed = now - generationStart
            if (elapsed >= window.toMillis()) {
                val steps = minOf(elapsed / window.toMillis(), generations.size.toLong()).toInt()
                repeat(steps) {
                    val oldest = generations[generations.size - 1]
                    for (k in generations.size - 1 downTo 1) generations[k] = generations[k - 1]
                    oldest.clear()
                    generations[0] = oldest
                }
                generationStart = now
            }
            if (generations.any { nonce in it }) throw AuthenticationException("the request was replayed (its nonce was seen already)")
            if (generations[0].size >= perGeneration) {
                throw AuthenticationException("too many signed requests within one window to check for replays; try again", 503)
            }
            generations[0] += nonce
        }

        /** The `Host` header with its port: the default one (80) when it names none, as a caller signs it. */
        private fun hostWithPort(host: String): String = if (host.substringAfterLast(']').contains(':')) host else "$host:80"

        override fun challenge(): String = "Switchboard-HMAC-SHA256"

        override fun toString(): String = "HmacAuthenticator(keys=${keys.keys}, window=$window)"
    }

/**
 * A key an [HmacAuthenticator] checks signatures with. The secret never appears in [toString].
 *
 * @property identity who a request signed with it comes from.
 */
public class SigningKey(
    secret: ByteArray,
    public val identity: CallerIdentity,
) {
    internal val secret: ByteArray = secret.copyOf()

    /** A key with a text [secret] (its UTF-8 bytes). */
    public constructor(secret: String, identity: CallerIdentity) : this(secret.toByteArray(), identity)

    init {
        require(this.secret.size >= 32) { "secret of ${identity.name}: ${this.secret.size} bytes (expected: at least 32)" }
    }

    override fun toString(): String = "SigningKey(${identity.name}, secret=***)"
}
