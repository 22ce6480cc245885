package io.switchboard.server.openapi

import io.switchboard.BodyType
import io.switchboard.codec.JsonCodec
import io.switchboard.service.Description
import kotlinx.serialization.ExperimentalSerializationApi
import kotlinx.serialization.KSerializer
import kotlinx.serialization.SerializationException
import kotlinx.serialization.descriptors.PolymorphicKind
import kotlinx.serialization.descriptors.PrimitiveKind
import kotlinx.serialization.descriptors.SerialDescriptor
import kotlinx.serialization.descriptors.SerialKind
import kotlinx.serialization.descriptors.StructureKind
import kotlinx.serialization.descriptors.elementDescriptors
import kotlinx.serialization.descriptors.nonNullOriginal
import kotlinx.serialization.json.JsonArray
import kotlinx.serialization.json.JsonNull
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.JsonPrimitive
import kotlinx.serialization.json.buildJsonArray
import kotlinx.serialization.json.buildJsonObject
import kotlinx.serialization.json.put
import kotlinx.serialization.serializer

/**
 * The JSON Schemas (2020-12, as OpenAPI 3.1 uses them) of the types a server's methods take and return, as the
 * default [JsonCodec] writes them: a type with a kotlinx serializer from its `SerialDescriptor`, any other from
 * what Jackson sees of it ([JavaSchemas]). Classes become components, referred to by `$ref`; a type it cannot
 * describe is `{}` (any value), never an error.
 */
internal class JsonSchemas {
    private val components = LinkedHashMap<String, JsonObject>()
    private val names = HashMap<Any, String>()
    private val java = JavaSchemas(this)

    /** The components so far, by name. */
    val schemas: Map<String, JsonObject> get() = components

    /** Adds a component of the server's own ([schema] under [name]) and returns its `$ref`. */
    fun reserve(
        name: String,
        schema: JsonObject,
    ): JsonObject {
        components[name] = schema
        names[name] = name
        return ref(name)
    }

    /** The schema of [type]; with [nullable], null is allowed too. */
    fun of(
        type: BodyType,
        nullable: Boolean = false,
    ): JsonObject {
        val raw = type.rawClass
        if (raw == Unit::class.java || raw == Void::class.java || raw == Void.TYPE) return NULL
        val serializer = serializerOf(type)
        val schema = if (serializer != null) of(serializer.descriptor) else java.of(type.javaType)
        return if (nullable) nullable(schema) else schema
    }

    /**
     * The component for [key] (a descriptor or a Java type), named after [preferred] (a different one when taken);
     * [describe] builds its schema the first time, after the name is known, so recursive types refer to themselves.
     */
    fun component(
        key: Any,
        preferred: String,
        describe: () -> JsonObject,
    ): JsonObject {
        names[key]?.let { return ref(it) }
        val base = preferred.replace(Regex("[^A-Za-z0-9._-]"), "_").ifEmpty { "Type" }
        val name = generateSequence(1) { it + 1 }.map { if (it == 1) base else "$base$it" }.first { it !in components }
        names[key] = name
        components[name] = EMPTY
        components[name] = describe()
        return ref(name)
    }

    private fun serializerOf(type: BodyType): KSerializer<*>? =
        try {
            type.kotlinType?.let { serializer(it) } ?: serializer(type.javaType)
        } catch (_: SerializationException) {
            null
        } catch (_: IllegalArgumentException) {
            null
        }

    @OptIn(ExperimentalSerializationApi::class)
    private fun of(descriptor: SerialDescriptor): JsonObject {
        // `Person?` is described as `Person` that allows null: one component for both
        val plain = descriptor.nonNullOriginal
        val schema =
            when {
                plain.serialName.startsWith("kotlinx.serialization.json.") -> EMPTY
                plain.isInline -> of(plain.getElementDescriptor(0))
                else -> ofKind(plain)
            }
        return if (descriptor.isNullable) nullable(schema) else schema
    }

    @OptIn(ExperimentalSerializationApi::class)
    private fun ofKind(descriptor: SerialDescriptor): JsonObject =
        when (val kind = descriptor.kind) {
            is PrimitiveKind -> {
                primitive(kind)
            }

            SerialKind.ENUM -> {
                component(descriptor, simpleName(descriptor.serialName)) {
                    enumOf((0 until descriptor.elementsCount).map(descriptor::getElementName))
                }
            }

            StructureKind.LIST -> {
                array(of(descriptor.getElementDescriptor(0)))
            }

            StructureKind.MAP -> {
                map(of(descriptor.getElementDescriptor(1)))
            }

            StructureKind.CLASS -> {
                component(descriptor, simpleName(descriptor.serialName)) { classSchema(descriptor) }
            }

            StructureKind.OBJECT -> {
                buildJsonObject { put("type", "object") }
            }

            PolymorphicKind.SEALED -> {
                sealed(descriptor)
            }

            else -> {
                EMPTY
            }
        }

    @OptIn(ExperimentalSerializationApi::class)
    private fun classSchema(descriptor: SerialDescriptor): JsonObject {
        val required = (0 until descriptor.elementsCount).filter { !descriptor.isElementOptional(it) }.map(descriptor::getElementName)
        return buildJsonObject {
            put("type", "object")
            descriptionOf(descriptor.annotations)?.let { put("description", it) }
            put(
                "properties",
                buildJsonObject {
                    for (i in 0 until descriptor.elementsCount) {
                        val property = of(descriptor.getElementDescriptor(i))
                        put(descriptor.getElementName(i), described(property, descriptionOf(descriptor.getElementAnnotations(i))))
                    }
                },
            )
            if (required.isNotEmpty()) put("required", JsonArray(required.map(::JsonPrimitive)))
        }
    }

    /** A sealed hierarchy as kotlinx writes it: one of its subclasses, named in the `type` property. */
    @OptIn(ExperimentalSerializationApi::class)
    private fun sealed(descriptor: SerialDescriptor): JsonObject {
        val subclasses =
            descriptor.elementDescriptors
                .drop(1)
                .firstOrNull()
                ?.elementDescriptors
                ?.toList()
                .orEmpty()
        if (subclasses.isEmpty()) return EMPTY
        return component(descriptor, simpleName(descriptor.serialName)) {
            buildJsonObject {
                put(
                    "oneOf",
                    buildJsonArray {
                        subclasses.forEach { sub ->
                            add(
                                buildJsonObject {
                                    put(
                                        "allOf",
                                        buildJsonArray {
                                            add(of(sub))
                                            add(discriminator(sub.serialName))
                                        },
                                    )
                                },
                            )
                        }
                    },
                )
            }
        }
    }

    private fun discriminator(serialName: String) =
        buildJsonObject {
            put("type", "object")
            put("properties", buildJsonObject { put("type", buildJsonObject { put("const", serialName) }) })
            put("required", buildJsonArray { add(JsonPrimitive("type")) })
        }

    private fun primitive(kind: PrimitiveKind): JsonObject =
        when (kind) {
            PrimitiveKind.BOOLEAN -> BOOLEAN
            PrimitiveKind.BYTE, PrimitiveKind.SHORT, PrimitiveKind.INT -> INT32
            PrimitiveKind.LONG -> INT64
            PrimitiveKind.FLOAT -> number("float")
            PrimitiveKind.DOUBLE -> number("double")
            PrimitiveKind.CHAR, PrimitiveKind.STRING -> STRING
        }

    companion object {
        val EMPTY = JsonObject(emptyMap())
        val NULL = buildJsonObject { put("type", "null") }
        val STRING = buildJsonObject { put("type", "string") }
        val BOOLEAN = buildJsonObject { put("type", "boolean") }
        val INT32 = integer("int32")
        val INT64 = integer("int64")

        fun ref(name: String) = buildJsonObject { put("\$ref", "#/components/schemas/$name") }

        fun integer(format: String?) =
            buildJsonObject {
                put("type", "integer")
                format?.let { put("format", it) }
            }

        fun number(format: String?) =
            buildJsonObject {
                put("type", "number")
                format?.let { put("format", it) }
            }

        fun string(format: String) =
            buildJsonObject {
                put("type", "string")
                put("format", format)
            }

        fun array(items: JsonObject) =
            buildJsonObject {
                put("type", "array")
                put("items", items)
            }

        fun map(values: JsonObject) =
            buildJsonObject {
                put("type", "object")
                put("additionalProperties", values)
            }

        fun enumOf(values: List<String>) =
            buildJsonObject {
                put("type", "string")
                put("enum", JsonArray(values.map(::JsonPrimitive)))
            }

        /**
         * [schema] allowing null too: `"type": [..., "null"]` where it names a type (and null among its enum values),
         * else `anyOf` with `{"type": "null"}`; `{}` allows null already.
         */
        fun nullable(schema: JsonObject): JsonObject {
            if (schema.isEmpty()) return schema
            val type = schema["type"]
            if (type is JsonPrimitive) {
                return JsonObject(
                    schema + ("type" to JsonArray(listOf(type, JsonPrimitive("null")))) +
                        (schema["enum"]?.let { mapOf("enum" to JsonArray((it as JsonArray) + JsonNull)) } ?: emptyMap()),
                )
            }
            if (type is JsonArray) return schema
            return buildJsonObject { put("anyOf", buildJsonArray { add(schema) }.let { JsonArray(it + NULL) }) }
        }

        /** [schema] with [description], when there is one. */
        fun described(
            schema: JsonObject,
            description: String?,
        ): JsonObject = if (description.isNullOrBlank()) schema else JsonObject(schema + ("description" to JsonPrimitive(description)))

        fun descriptionOf(annotations: List<Annotation>): String? = annotations.filterIsInstance<Description>().firstOrNull()?.value

        /** `io.example.Person` → `Person`; a nested class keeps its outer name (`Order.Line`). */
        fun simpleName(serialName: String): String {
            val parts = serialName.removeSuffix("?").split('.')
            val first = parts.indexOfFirst { it.firstOrNull()?.isUpperCase() == true }
            return if (first < 0) parts.last() else parts.drop(first).joinToString(".")
        }
    }
}
