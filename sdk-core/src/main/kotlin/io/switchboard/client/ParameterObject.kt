package io.switchboard.client

import io.switchboard.BodyType
import io.switchboard.bodyTypeOf
import io.switchboard.codec.JsonCodec
import io.switchboard.spi.Codec

/**
 * Builds a request object from named parameters, the way aio-service-client's parameter-object
 * decorator does: `parameterObject<UserQuery>("userId" to 7, "verbose" to true)` in Kotlin,
 * `ParameterObjects.build(UserQuery.class, Map.of("userId", 7))` in Java. Unknown names are ignored;
 * missing ones take the type's defaults; a value of the wrong type fails naming the type.
 */
public object ParameterObjects {
    private val codec: Codec = JsonCodec()
    private val mapper = JsonCodec.defaultMapper()

    /** A [type] built from [parameters]. */
    @JvmStatic
    public fun <T> build(
        type: Class<T>,
        parameters: Map<String, Any?>,
    ): T {
        @Suppress("UNCHECKED_CAST")
        return build(BodyType.of(type), parameters) as T
    }

    /** A value of [type] built from [parameters]. */
    @JvmStatic
    public fun build(
        type: BodyType,
        parameters: Map<String, Any?>,
    ): Any? {
        val json = mapper.writeValueAsBytes(parameters)
        return try {
            codec.decode(json, type)
        } catch (e: Exception) {
            throw IllegalArgumentException("cannot build $type from parameters ${parameters.keys}: ${e.message}", e)
        }
    }
}

/** A [T] built from named parameters. */
@Suppress("UNCHECKED_CAST")
public inline fun <reified T> parameterObject(vararg parameters: Pair<String, Any?>): T =
    ParameterObjects.build(bodyTypeOf<T>(), mapOf(*parameters)) as T
