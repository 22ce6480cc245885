package io.switchboard.client

import io.switchboard.Attempt
import io.switchboard.BodyType
import io.switchboard.BufferedResponse
import io.switchboard.ServiceInstance
import io.switchboard.bodyTypeOf
import java.time.Duration

/**
 * The answer to a [ServiceClient.call]: status, headers and body (read into memory), the instance that
 * answered, and what the plugins recorded.
 *
 * @property endpoint the endpoint called.
 * @property elapsed how long the call took.
 * @property attributes what plugins recorded (tracking token, time blocked by a pool or rate limit, …).
 * @property attempts the call's attempts, in order: the ones retried elsewhere, then the one that answered.
 */
public class ClientResponse internal constructor(
    public val endpoint: String,
    private val response: BufferedResponse,
    public val elapsed: Duration,
    public val attributes: Map<String, Any>,
    public val attempts: List<Attempt>,
) {
    /** The HTTP status code. */
    public val status: Int get() = response.status

    /** Whether [status] is in 200..299. */
    public val isSuccessful: Boolean get() = status in 200..299

    /** The response headers. */
    public val headers: Map<String, List<String>> get() = response.headers

    /** The instance that answered. */
    public val instance: ServiceInstance get() = response.instance

    /** The body bytes. */
    public val body: ByteArray get() = response.body

    /** The first value of header [name], compared case-insensitively. */
    public fun header(name: String): String? = response.header(name)

    /** The body as text. */
    public fun text(): String = response.text()

    /** The body decoded into [type]. */
    public fun <T> data(type: Class<T>): T = response.bodyAs(type)

    /** The body decoded into [type]. */
    public fun data(type: BodyType): Any? = response.bodyAs(type)

    /** The body decoded into [T]. */
    @Suppress("UNCHECKED_CAST")
    public inline fun <reified T> data(): T = data(bodyTypeOf<T>()) as T

    /** The tracking token of this request/response pair, when the tracking-token plugin is on. */
    public val trackingToken: String? get() = attributes[TrackingTokenPlugin.ATTRIBUTE] as String?

    /** How long the call waited for a pool permit, when the pool plugin is on. */
    public val blockedByPool: Duration? get() = attributes[PoolPlugin.BLOCKED] as Duration?

    /** How long the call waited for the rate limit, when the rate-limit plugin is on. */
    public val blockedByRateLimit: Duration? get() = attributes[RateLimitPlugin.BLOCKED] as Duration?

    override fun toString(): String = "ClientResponse($endpoint: $status from ${instance.address} in ${elapsed.toMillis()} ms)"
}
