package io.switchboard.codec

import kotlinx.serialization.BinaryFormat
import kotlinx.serialization.DeserializationStrategy
import kotlinx.serialization.SerializationException
import kotlinx.serialization.SerializationStrategy
import kotlinx.serialization.descriptors.SerialDescriptor
import kotlinx.serialization.descriptors.StructureKind
import kotlinx.serialization.encoding.AbstractDecoder
import kotlinx.serialization.encoding.AbstractEncoder
import kotlinx.serialization.encoding.CompositeDecoder
import kotlinx.serialization.encoding.CompositeEncoder
import kotlinx.serialization.modules.EmptySerializersModule
import kotlinx.serialization.modules.SerializersModule
import org.msgpack.core.MessagePack
import org.msgpack.core.MessagePacker
import org.msgpack.core.MessageUnpacker
import org.msgpack.value.ValueType

/**
 * MessagePack for kotlinx-serialization: classes as arrays of their properties in declaration order
 * (every property written, defaults included), lists as arrays, maps as maps, enums by name, null as nil.
 */
public class MsgPack(
    override val serializersModule: SerializersModule = EmptySerializersModule(),
) : BinaryFormat {
    override fun <T> encodeToByteArray(
        serializer: SerializationStrategy<T>,
        value: T,
    ): ByteArray {
        val packer = MessagePack.newDefaultBufferPacker()
        MsgPackEncoder(packer, serializersModule).encodeSerializableValue(serializer, value)
        packer.close()
        return packer.toByteArray()
    }

    override fun <T> decodeFromByteArray(
        deserializer: DeserializationStrategy<T>,
        bytes: ByteArray,
    ): T =
        // no string can be longer than the whole input: a header that says otherwise is refused, not allocated for
        MessagePack.UnpackerConfig().withStringSizeLimit(bytes.size).newUnpacker(bytes).use { unpacker ->
            val value = MsgPackDecoder(unpacker, serializersModule, -1, bytes.size.toLong()).decodeSerializableValue(deserializer)
            if (unpacker.hasNext()) {
                throw SerializationException(
                    "MessagePack: ${bytes.size - unpacker.totalReadBytes} byte(s) after the value (expected: one value and nothing after it)",
                )
            }
            value
        }

    /** The default instance. */
    public companion object Default {
        /** MessagePack with no contextual serializers. */
        @JvmField
        public val DEFAULT: MsgPack = MsgPack()
    }
}

private class MsgPackEncoder(
    private val packer: MessagePacker,
    override val serializersModule: SerializersModule,
) : AbstractEncoder() {
    override fun shouldEncodeElementDefault(
        descriptor: SerialDescriptor,
        index: Int,
    ): Boolean = true

    override fun encodeBoolean(value: Boolean) {
        packer.packBoolean(value)
    }

    override fun encodeByte(value: Byte) {
        packer.packByte(value)
    }

    override fun encodeShort(value: Short) {
        packer.packShort(value)
    }

    override fun encodeInt(value: Int) {
        packer.packInt(value)
    }

    override fun encodeLong(value: Long) {
        packer.packLong(value)
    }

    override fun encodeFloat(value: Float) {
        packer.packFloat(value)
    }

    override fun encodeDouble(value: Double) {
        packer.packDouble(value)
    }

    override fun encodeChar(value: Char) {
        packer.packString(value.toString())
    }

    override fun encodeString(value: String) {
        packer.packString(value)
    }

    override fun encodeEnum(
        enumDescriptor: SerialDescriptor,
        index: Int,
    ) {
        packer.packString(enumDescriptor.getElementName(index))
    }

    override fun encodeNull() {
        packer.packNil()
    }

    override fun beginStructure(descriptor: SerialDescriptor): CompositeEncoder {
        packer.packArrayHeader(descriptor.elementsCount)
        return this
    }

    override fun beginCollection(
        descriptor: SerialDescriptor,
        collectionSize: Int,
    ): CompositeEncoder {
        if (descriptor.kind == StructureKind.MAP) packer.packMapHeader(collectionSize) else packer.packArrayHeader(collectionSize)
        return this
    }
}

private class MsgPackDecoder(
    private val unpacker: MessageUnpacker,
    override val serializersModule: SerializersModule,
    private val size: Int,
    /** The length of the whole input. */
    private val total: Long,
) : AbstractDecoder() {
    private var position = 0

    override fun decodeSequentially(): Boolean = true

    override fun decodeElementIndex(descriptor: SerialDescriptor): Int = if (position < size) position++ else CompositeDecoder.DECODE_DONE

    override fun decodeCollectionSize(descriptor: SerialDescriptor): Int = size

    override fun beginStructure(descriptor: SerialDescriptor): CompositeDecoder {
        val map = descriptor.kind == StructureKind.MAP
        val count = if (map) unpacker.unpackMapHeader() else unpacker.unpackArrayHeader()
        // every element takes at least a byte (a map entry two): a count the input cannot hold is refused before
        // anything is sized by it (a collection's deserializer would allocate for it)
        val remaining = total - unpacker.totalReadBytes
        if (count < 0 || count.toLong() * (if (map) 2 else 1) > remaining) {
            throw SerializationException(
                "MessagePack: ${if (map) "a map" else "an array"} for ${descriptor.serialName} declares $count element(s), " +
                    "but only $remaining byte(s) follow",
            )
        }
        if ((descriptor.kind == StructureKind.CLASS || descriptor.kind == StructureKind.OBJECT) && count != descriptor.elementsCount) {
            throw SerializationException(
                "MessagePack: ${descriptor.serialName} has ${descriptor.elementsCount} field(s), the array has $count",
            )
        }
        return MsgPackDecoder(unpacker, serializersModule, count, total)
    }

    override fun decodeNotNullMark(): Boolean = unpacker.nextFormat.valueType != ValueType.NIL

    override fun decodeNull(): Nothing? {
        unpacker.unpackNil()
        return null
    }

    override fun decodeBoolean(): Boolean = unpacker.unpackBoolean()

    override fun decodeByte(): Byte = unpacker.unpackByte()

    override fun decodeShort(): Short = unpacker.unpackShort()

    override fun decodeInt(): Int = unpacker.unpackInt()

    override fun decodeLong(): Long = unpacker.unpackLong()

    override fun decodeFloat(): Float = unpacker.unpackFloat()

    override fun decodeDouble(): Double = unpacker.unpackDouble()

    override fun decodeChar(): Char = unpacker.unpackString().single()

    override fun decodeString(): String = unpacker.unpackString()

    override fun decodeEnum(enumDescriptor: SerialDescriptor): Int {
        val name = unpacker.unpackString()
        val index = enumDescriptor.getElementIndex(name)
        require(index >= 0) { "'$name' is not a value of ${enumDescriptor.serialName}" }
        return index
    }
}
