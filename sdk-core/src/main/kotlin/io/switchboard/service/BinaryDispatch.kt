package io.switchboard.service

import io.switchboard.ConfigurationException
import io.switchboard.InternalSwitchboardApi
import io.switchboard.codec.MsgPack
import kotlinx.serialization.BinaryFormat
import kotlinx.serialization.ExperimentalSerializationApi
import kotlinx.serialization.KSerializer
import kotlinx.serialization.builtins.nullable
import kotlinx.serialization.descriptors.SerialDescriptor
import kotlinx.serialization.descriptors.buildClassSerialDescriptor
import kotlinx.serialization.encoding.CompositeDecoder
import kotlinx.serialization.encoding.Decoder
import kotlinx.serialization.encoding.Encoder
import kotlinx.serialization.encoding.decodeStructure
import kotlinx.serialization.encoding.encodeStructure
import kotlinx.serialization.protobuf.ProtoBuf
import kotlinx.serialization.serializer
import java.util.concurrent.ConcurrentHashMap

/**
 * The binary dispatch formats. The arguments of a call travel as one message whose fields are the
 * arguments in order (field n+1 is argument n); the result as a message with one field. Both need types
 * with kotlinx-serialization serializers (`@Serializable` classes, primitives, lists and maps of them).
 *
 * @property channel the channel that uses the format.
 * @property contentType the `Content-Type` of its bodies.
 */
@InternalSwitchboardApi
public enum class BinaryDispatchFormat(
    public val channel: Channel,
    public val contentType: String,
) {
    /** MessagePack. */
    MSGPACK(Channel.DISPATCH_MSGPACK, "application/msgpack"),

    /** Protocol Buffers (kotlinx-serialization's ProtoBuf, field numbers from declaration order). */
    PROTOBUF(Channel.DISPATCH_PROTOBUF, "application/x-protobuf"),
    ;

    @OptIn(ExperimentalSerializationApi::class)
    private val format: BinaryFormat by lazy { if (this == MSGPACK) MsgPack.DEFAULT else ProtoBuf }
    private val skipNulls: Boolean get() = this == PROTOBUF
    private val arguments = ConcurrentHashMap<MethodDescriptor, ArgumentsSerializer>()
    private val results = ConcurrentHashMap<MethodDescriptor, ArgumentsSerializer>()

    /** Checks now that the arguments and the result of [method] can travel in this format. */
    public fun check(method: MethodDescriptor) {
        argumentsOf(method)
        resultOf(method)
    }

    /** Encodes the arguments of a call of [method]. */
    public fun encodeArguments(
        method: MethodDescriptor,
        args: Array<Any?>,
    ): ByteArray = format.encodeToByteArray(argumentsOf(method), args)

    /** Decodes the arguments of a call of [method]. */
    public fun decodeArguments(
        method: MethodDescriptor,
        bytes: ByteArray,
    ): Array<Any?> = format.decodeFromByteArray(argumentsOf(method), bytes)

    /** Encodes the result of [method]. */
    public fun encodeResult(
        method: MethodDescriptor,
        value: Any?,
    ): ByteArray = format.encodeToByteArray(resultOf(method), arrayOf(value))

    /** Decodes the result of [method]. */
    public fun decodeResult(
        method: MethodDescriptor,
        bytes: ByteArray,
    ): Any? = format.decodeFromByteArray(resultOf(method), bytes)[0]

    private fun argumentsOf(method: MethodDescriptor): ArgumentsSerializer =
        arguments.computeIfAbsent(method) {
            ArgumentsSerializer(
                "${method.qualifiedName}.arguments",
                method.parameters.map { p -> serializerFor(method, "parameter '${p.name}'", p.type.javaType) },
                skipNulls,
            )
        }

    private fun resultOf(method: MethodDescriptor): ArgumentsSerializer =
        results.computeIfAbsent(method) {
            val raw = method.resultType.rawClass
            val type = if (raw == Void::class.java || raw == Void.TYPE) Unit::class.java else method.resultType.javaType
            ArgumentsSerializer("${method.qualifiedName}.result", listOf(serializerFor(method, "the result", type)), skipNulls)
        }

    private fun serializerFor(
        method: MethodDescriptor,
        what: String,
        type: java.lang.reflect.Type,
    ): KSerializer<Any> =
        try {
            @Suppress("UNCHECKED_CAST")
            serializer(type) as KSerializer<Any>
        } catch (e: Exception) {
            throw ConfigurationException(
                "${channel.id} needs types with kotlinx serializers, but $what of ${method.qualifiedName} is ${type.typeName} " +
                    "(annotate it @Serializable, or use dispatch-json)",
                e,
            )
        }
}

/** Serializes an array of values as one message whose field i is value i. */
internal class ArgumentsSerializer(
    name: String,
    private val serializers: List<KSerializer<Any>>,
    private val skipNulls: Boolean,
) : KSerializer<Array<Any?>> {
    override val descriptor: SerialDescriptor =
        buildClassSerialDescriptor(name) {
            // not optional: ProtoBuf then decodes an absent collection as empty and an absent value as null
            serializers.forEachIndexed { i, s -> element("a$i", s.nullable.descriptor, isOptional = false) }
        }

    override fun serialize(
        encoder: Encoder,
        value: Array<Any?>,
    ) {
        encoder.encodeStructure(descriptor) {
            serializers.forEachIndexed { i, s ->
                val item = value[i]
                if (item != null) {
                    encodeSerializableElement(descriptor, i, s, item)
                } else if (!skipNulls) {
                    encodeNullableSerializableElement(descriptor, i, s.nullable, null)
                }
            }
        }
    }

    override fun deserialize(decoder: Decoder): Array<Any?> =
        decoder.decodeStructure(descriptor) {
            val out = arrayOfNulls<Any?>(serializers.size)
            if (decodeSequentially()) {
                for (i in serializers.indices) out[i] = decodeNullableSerializableElement(descriptor, i, serializers[i].nullable)
            } else {
                while (true) {
                    val index = decodeElementIndex(descriptor)
                    if (index == CompositeDecoder.DECODE_DONE) break
                    out[index] = decodeNullableSerializableElement(descriptor, index, serializers[index].nullable)
                }
            }
            out
        }
}
