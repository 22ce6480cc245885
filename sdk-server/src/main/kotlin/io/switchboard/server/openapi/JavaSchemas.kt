package io.switchboard.server.openapi

import com.fasterxml.jackson.databind.JavaType
import com.fasterxml.jackson.databind.JsonNode
import com.fasterxml.jackson.databind.introspect.BeanPropertyDefinition
import io.switchboard.codec.JsonCodec
import io.switchboard.service.Description
import kotlinx.serialization.json.JsonArray
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.JsonPrimitive
import kotlinx.serialization.json.buildJsonObject
import kotlinx.serialization.json.put
import java.lang.reflect.Modifier
import java.lang.reflect.Type
import java.math.BigDecimal
import java.math.BigInteger
import java.time.temporal.Temporal
import java.util.Date
import java.util.Optional
import java.util.UUID

/**
 * The JSON Schemas of Java types (beans, records, enums, boxes, strings, collections, maps, `Optional`) as the
 * default codec's Jackson mapper reads and writes them: a class's properties are the ones Jackson finds. Anything
 * else (`Object`, an interface, a `JsonNode`) is `{}`.
 */
internal class JavaSchemas(
    private val schemas: JsonSchemas,
) {
    private val mapper = JsonCodec.defaultMapper()

    /** The schema of [type]. */
    fun of(type: Type): JsonObject =
        try {
            of(mapper.constructType(type))
        } catch (_: IllegalArgumentException) {
            JsonSchemas.EMPTY
        }

    private fun of(type: JavaType): JsonObject {
        val raw = type.rawClass
        scalar(raw)?.let { return it }
        return when {
            raw == Optional::class.java -> JsonSchemas.nullable(of(type.containedTypeOrUnknown(0)))
            raw.isEnum -> schemas.component(raw, nameOf(raw)) { JsonSchemas.enumOf(raw.enumConstants.map { (it as Enum<*>).name }) }
            raw == ByteArray::class.java -> JsonSchemas.string("byte")
            type.isArrayType || type.isCollectionLikeType -> JsonSchemas.array(of(type.contentType))
            type.isMapLikeType -> JsonSchemas.map(of(type.contentType))
            !isBean(raw) -> JsonSchemas.EMPTY
            else -> schemas.component(type, nameOf(raw)) { bean(type) }
        }
    }

    /** The class's name as a component's: its simple name, with its outer classes' when nested (`Order.Line`). */
    private fun nameOf(raw: Class<*>): String = JsonSchemas.simpleName(raw.canonicalName ?: raw.name)

    /** Whether Jackson reads [raw] as an object of properties: a concrete class of the application's, not a JDK one. */
    private fun isBean(raw: Class<*>): Boolean =
        !raw.isInterface && !Modifier.isAbstract(raw.modifiers) && !raw.isPrimitive && !raw.isArray &&
            raw != Any::class.java && !JsonNode::class.java.isAssignableFrom(raw) && !raw.name.startsWith("java.")

    private fun bean(type: JavaType): JsonObject {
        val description = mapper.serializationConfig.introspect(type)
        val properties = description.findProperties()
        val required = properties.filter { it.primaryType.isPrimitive || it.isRequired }.map { it.name }
        return buildJsonObject {
            put("type", "object")
            description.classInfo.getAnnotation(Description::class.java)?.let { put("description", it.value) }
            put(
                "properties",
                JsonObject(properties.associate { it.name to JsonSchemas.described(of(it.primaryType), descriptionOf(it)) }),
            )
            if (required.isNotEmpty()) put("required", JsonArray(required.map(::JsonPrimitive)))
        }
    }

    /** A property's `@Description`: on its field (a record component's too), its getter or its constructor parameter. */
    private fun descriptionOf(property: BeanPropertyDefinition): String? =
        listOfNotNull(property.field, property.getter, property.constructorParameter)
            .firstNotNullOfOrNull { it.getAnnotation(Description::class.java)?.value }

    private fun scalar(raw: Class<*>): JsonObject? =
        when (raw) {
            String::class.java, Character::class.java, Char::class.javaPrimitiveType, CharSequence::class.java -> {
                JsonSchemas.STRING
            }

            java.lang.Boolean::class.java, Boolean::class.javaPrimitiveType -> {
                JsonSchemas.BOOLEAN
            }

            Integer::class.java, Int::class.javaPrimitiveType, java.lang.Short::class.java, Short::class.javaPrimitiveType,
            java.lang.Byte::class.java, Byte::class.javaPrimitiveType,
            -> {
                JsonSchemas.INT32
            }

            java.lang.Long::class.java, Long::class.javaPrimitiveType -> {
                JsonSchemas.INT64
            }

            BigInteger::class.java -> {
                JsonSchemas.integer(null)
            }

            java.lang.Float::class.java, Float::class.javaPrimitiveType -> {
                JsonSchemas.number("float")
            }

            java.lang.Double::class.java, Double::class.javaPrimitiveType -> {
                JsonSchemas.number("double")
            }

            BigDecimal::class.java, Number::class.java -> {
                JsonSchemas.number(null)
            }

            UUID::class.java -> {
                JsonSchemas.string("uuid")
            }

            java.time.LocalDate::class.java -> {
                JsonSchemas.string("date")
            }

            java.time.Instant::class.java, java.time.OffsetDateTime::class.java, java.time.ZonedDateTime::class.java -> {
                JsonSchemas.string("date-time")
            }

            // Jackson writes a Date as milliseconds since the epoch
            Date::class.java -> {
                JsonSchemas.INT64
            }

            else -> {
                if (Temporal::class.java.isAssignableFrom(raw)) JsonSchemas.STRING else null
            }
        }
}
