package io.switchboard

import io.ktor.utils.io.ByteReadChannel
import io.switchboard.internal.call.Answer
import io.switchboard.internal.call.decodeBody
import io.switchboard.spi.Codec

/**
 * The response of a `raw…` call, valid only inside the block it is handed to: the connection is
 * released when the block returns or throws.
 *
 * @property instance the instance that answered.
 * @property info status and headers.
 */
public class RawResponse internal constructor(
    private val response: Answer,
    public val instance: ServiceInstance,
    public val info: ResponseInfo,
    private val codec: Codec,
) {
    /** The HTTP status code. */
    public val status: Int get() = info.status

    /** The response headers. */
    public val headers: Map<String, List<String>> get() = info.headers

    /** The first value of header [name], compared case-insensitively. */
    public fun header(name: String): String? = info.header(name)

    /** The body as a stream, read while the block runs. */
    @OptIn(io.ktor.utils.io.InternalAPI::class)
    public suspend fun channel(): ByteReadChannel = response.channel()

    /** The whole body as bytes. */
    public suspend fun bytes(): ByteArray = response.bytes()

    /** The whole body as text, in the charset the response names (UTF-8 by default). */
    public suspend fun text(): String = decodeBody(bytes(), BodyType.of(String::class.java), codec, info) as String

    /** The body decoded into [type] by the manager's codec. */
    public suspend fun body(type: BodyType): Any? = decodeBody(bytes(), type, codec, info)

    /** The body decoded into [T] by the manager's codec. */
    @Suppress("UNCHECKED_CAST")
    public suspend inline fun <reified T> body(): T = body(bodyTypeOf<T>()) as T

    /** Reads the whole body into a [BufferedResponse] that outlives the block. */
    public suspend fun buffer(): BufferedResponse = BufferedResponse(instance, info, bytes(), codec)

    override fun toString(): String = "RawResponse(${info.status} from ${instance.address})"
}

/**
 * A response whose body was read into memory, so it needs no release: what `raw…Async` calls complete with.
 *
 * @property instance the instance that answered.
 * @property info status and headers.
 * @property body the body bytes.
 */
public class BufferedResponse internal constructor(
    public val instance: ServiceInstance,
    public val info: ResponseInfo,
    public val body: ByteArray,
    private val codec: Codec,
) {
    /** The HTTP status code. */
    public val status: Int get() = info.status

    /** The response headers. */
    public val headers: Map<String, List<String>> get() = info.headers

    /** The first value of header [name], compared case-insensitively. */
    public fun header(name: String): String? = info.header(name)

    /** The body as text, in the charset the response names (UTF-8 by default). */
    public fun text(): String = decodeBody(body, BodyType.of(String::class.java), codec, info) as String

    /** The body decoded into [type] by the manager's codec. */
    @Suppress("UNCHECKED_CAST")
    public fun <T> bodyAs(type: Class<T>): T = decodeBody(body, BodyType.of(type), codec, info) as T

    /** The body decoded into [type] by the manager's codec. */
    public fun bodyAs(type: BodyType): Any? = decodeBody(body, type, codec, info)

    override fun toString(): String = "BufferedResponse(${info.status} from ${instance.address}, ${body.size} bytes)"
}
