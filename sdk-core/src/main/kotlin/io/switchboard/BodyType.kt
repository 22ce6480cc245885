package io.switchboard

import java.lang.reflect.Type
import kotlin.reflect.KType
import kotlin.reflect.javaType
import kotlin.reflect.typeOf

/**
 * The type a body is encoded from or decoded to.
 *
 * Kotlin callers get one from [bodyTypeOf] (keeping generic arguments and nullability); Java callers
 * from [of] with a `Class` or a `java.lang.reflect.Type`.
 *
 * @property javaType the JVM type.
 * @property kotlinType the Kotlin type, when the caller is Kotlin code that knows it.
 */
public class BodyType private constructor(
    public val javaType: Type,
    public val kotlinType: KType?,
) {
    /** The raw class of [javaType]. */
    public val rawClass: Class<*> =
        when (javaType) {
            is Class<*> -> javaType
            is java.lang.reflect.ParameterizedType -> javaType.rawType as Class<*>
            else -> Any::class.java
        }

    override fun equals(other: Any?): Boolean = other is BodyType && other.javaType == javaType && other.kotlinType == kotlinType

    override fun hashCode(): Int = javaType.hashCode() * 31 + (kotlinType?.hashCode() ?: 0)

    override fun toString(): String = kotlinType?.toString() ?: javaType.typeName

    /** Factories. */
    public companion object {
        /** The type of [type], for Java callers. */
        @JvmStatic
        public fun of(type: Class<*>): BodyType = BodyType(type, null)

        /** A generic JVM type, for Java callers (for example from a `TypeReference`). */
        @JvmStatic
        public fun of(type: Type): BodyType = BodyType(type, null)

        /** A Kotlin type, keeping its generic arguments and nullability. */
        @OptIn(ExperimentalStdlibApi::class)
        @JvmStatic
        public fun of(type: KType): BodyType = BodyType(type.javaType, type)
    }
}

/** The [BodyType] of [T], for Kotlin callers. */
public inline fun <reified T> bodyTypeOf(): BodyType = BodyType.of(typeOf<T>())
