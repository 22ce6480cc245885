package io.switchboard.codec

import com.fasterxml.jackson.databind.DeserializationFeature
import com.fasterxml.jackson.databind.ObjectMapper
import io.switchboard.BodyType
import io.switchboard.InternalSwitchboardApi
import io.switchboard.spi.Codec
import kotlinx.serialization.KSerializer
import kotlinx.serialization.SerializationException
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.JsonElement
import kotlinx.serialization.json.JsonNull
import kotlinx.serialization.serializer
import java.lang.reflect.Type
import java.util.concurrent.ConcurrentHashMap

/**
 * The default codec: JSON through kotlinx-serialization for Kotlin types, and through Jackson for Java
 * types.
 *
 * A type with a kotlinx serializer (a `@Serializable` class, `JsonElement`, a primitive, or a list or map
 * of those) goes through [json]. Any other type (a Java bean or record, a Jackson `JsonNode`, `Object`)
 * goes through [mapper], because kotlinx-serialization cannot handle classes that were not compiled
 * with its plugin, while Jackson is what Java services already use for exactly those. The choice is
 * made once per type and cached.
 *
 * @param json the kotlinx-serialization configuration; unknown keys are ignored by default.
 * @param mapper the Jackson mapper; unknown properties are ignored by default.
 */
public class JsonCodec
    @JvmOverloads
    constructor(
        private val json: Json = DEFAULT_JSON,
        private val mapper: ObjectMapper = defaultMapper(),
    ) : Codec {
        private val serializers = ConcurrentHashMap<Any, Any>()

        override val contentType: String get() = "application/json"

        override fun encode(
            value: Any?,
            type: BodyType?,
        ): ByteArray {
            if (value == null) return NULL_BYTES
            val serializer = if (type != null) serializerFor(type) else serializerFor(value.javaClass)
            @Suppress("UNCHECKED_CAST")
            return if (serializer != null) {
                json.encodeToString(serializer as KSerializer<Any?>, value).toByteArray()
            } else {
                mapper.writeValueAsBytes(value)
            }
        }

        override fun decode(
            bytes: ByteArray,
            type: BodyType,
        ): Any? {
            if (isJsonNull(bytes) && !type.rawClass.isPrimitive) return null
            val serializer = serializerFor(type)
            return if (serializer != null) {
                json.decodeFromString(serializer, bytes.decodeToString())
            } else {
                mapper.readValue<Any?>(bytes, mapper.constructType(type.javaType))
            }
        }

        /**
         * Decodes [element], a part of a JSON document already parsed (an argument of a dispatch call, say), into
         * [type] without printing and parsing it again; Java types go through Jackson from its text.
         */
        @InternalSwitchboardApi
        public fun decode(
            element: JsonElement,
            type: BodyType,
        ): Any? {
            if (element is JsonNull && !type.rawClass.isPrimitive) return null
            val serializer = serializerFor(type)
            return if (serializer != null) {
                json.decodeFromJsonElement(serializer, element)
            } else {
                mapper.readValue<Any?>(element.toString(), mapper.constructType(type.javaType))
            }
        }

        private fun isJsonNull(bytes: ByteArray): Boolean {
            var start = 0
            var end = bytes.size
            while (start < end && bytes[start].toInt().toChar().isWhitespace()) start++
            while (end > start && bytes[end - 1].toInt().toChar().isWhitespace()) end--
            return end - start == 4 && bytes[start] == 'n'.code.toByte() && bytes[start + 1] == 'u'.code.toByte() &&
                bytes[start + 2] == 'l'.code.toByte() && bytes[start + 3] == 'l'.code.toByte()
        }

        private fun serializerFor(type: BodyType): KSerializer<*>? {
            val key: Any = type.kotlinType ?: type.javaType
            val found =
                serializers.computeIfAbsent(key) {
                    val kotlinType = type.kotlinType
                    lookup {
                        if (kotlinType !=
                            null
                        ) {
                            json.serializersModule.serializer(kotlinType)
                        } else {
                            json.serializersModule.serializer(type.javaType)
                        }
                    }
                }
            return found as? KSerializer<*>
        }

        private fun serializerFor(type: Type): KSerializer<*>? =
            serializers.computeIfAbsent(type) { lookup { json.serializersModule.serializer(type) } } as? KSerializer<*>

        private inline fun lookup(find: () -> KSerializer<*>): Any =
            try {
                find()
            } catch (_: SerializationException) {
                JACKSON
            } catch (_: IllegalArgumentException) {
                JACKSON
            }

        /** Defaults. */
        public companion object {
            private val NULL_BYTES = "null".toByteArray()
            private val JACKSON = Any()

            /** The default kotlinx-serialization configuration: unknown keys ignored, nulls explicit. */
            @JvmField
            public val DEFAULT_JSON: Json =
                Json {
                    ignoreUnknownKeys = true
                    encodeDefaults = true
                }

            /** A Jackson mapper that ignores unknown properties. */
            @JvmStatic
            public fun defaultMapper(): ObjectMapper =
                ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false).findAndRegisterModules()
        }
    }
