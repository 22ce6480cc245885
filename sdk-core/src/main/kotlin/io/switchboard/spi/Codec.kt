package io.switchboard.spi

import io.switchboard.BodyType

/**
 * Turns values into request bodies and response bodies into values.
 *
 * Text (`String`), bytes (`ByteArray`) and no result (`Unit`, `Void`) never reach a codec: the manager
 * handles them itself.
 */
public interface Codec {
    /** The `Content-Type` of the bodies [encode] produces, e.g. `application/json`. */
    public val contentType: String

    /** Encodes [value]; [type] is its declared type when the caller knows it, else null (use the runtime class). */
    public fun encode(
        value: Any?,
        type: BodyType?,
    ): ByteArray

    /** Decodes [bytes] into a value of [type]. */
    public fun decode(
        bytes: ByteArray,
        type: BodyType,
    ): Any?
}
