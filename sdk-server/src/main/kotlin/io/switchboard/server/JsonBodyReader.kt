package io.switchboard.server

import com.fasterxml.jackson.core.JsonFactory
import com.fasterxml.jackson.core.JsonParser
import com.fasterxml.jackson.core.JsonProcessingException
import com.fasterxml.jackson.core.JsonToken
import com.fasterxml.jackson.core.StreamReadConstraints
import com.fasterxml.jackson.core.StreamReadFeature
import kotlinx.serialization.ExperimentalSerializationApi
import kotlinx.serialization.json.JsonArray
import kotlinx.serialization.json.JsonElement
import kotlinx.serialization.json.JsonNull
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.JsonPrimitive
import kotlinx.serialization.json.JsonUnquotedLiteral
import java.nio.ByteBuffer
import java.nio.charset.CharacterCodingException
import java.nio.charset.Charset
import java.nio.charset.CodingErrorAction

/**
 * Reads a JSON request body strictly, into the tree the codec decodes arguments from: nesting no deeper than
 * [maxDepth], strings no longer than [maxStringLength] characters, numbers of at most 1,000 digits, no key twice
 * in an object, no raw control character in a string, no byte after the value, and text valid in its charset.
 * One pass over the bytes (Jackson's streaming parser) builds the tree.
 */
internal class JsonBodyReader(
    private val maxDepth: Int,
    maxStringLength: Int,
) {
    private val factory: JsonFactory =
        JsonFactory
            .builder()
            .streamReadConstraints(
                StreamReadConstraints
                    .builder()
                    .maxNestingDepth(maxDepth)
                    .maxStringLength(maxStringLength)
                    .maxNameLength(maxStringLength)
                    .maxNumberLength(MAX_NUMBER_LENGTH)
                    .build(),
            ).enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build()

    /** The JSON value in [bytes] of [charset]; throws [MalformedJsonException] saying what is wrong and where. */
    fun read(
        bytes: ByteArray,
        charset: Charset,
    ): JsonElement = parse(bytes, charset) { element(it) }

    /**
     * [bytes] of [charset] as UTF-8, after checking that they hold one JSON value within the limits, without building
     * it (for a codec that then decodes the bytes straight into its type); throws [MalformedJsonException].
     */
    fun check(
        bytes: ByteArray,
        charset: Charset,
    ): ByteArray {
        if (charset == Charsets.UTF_8) {
            parse(bytes, charset, ::skip)
            return bytes
        }
        val utf8 = decode(bytes, charset).toByteArray()
        parse(utf8, Charsets.UTF_8, ::skip)
        return utf8
    }

    private fun <T> parse(
        bytes: ByteArray,
        charset: Charset,
        value: (JsonParser) -> T,
    ): T {
        if (charset == Charsets.UTF_8) requireUtf8(bytes)
        return try {
            val parser = if (charset == Charsets.UTF_8) factory.createParser(bytes) else factory.createParser(decode(bytes, charset))
            parser.use {
                if (it.nextToken() == null) throw MalformedJsonException("it is empty")
                val result = value(it)
                if (it.nextToken() != null) {
                    throw MalformedJsonException(
                        "more follows the value, at line ${it.currentLocation().lineNr}, column ${it.currentLocation().columnNr}",
                    )
                }
                result
            }
        } catch (e: JsonProcessingException) {
            val where = e.location?.let { l -> " at line ${l.lineNr}, column ${l.columnNr}" } ?: ""
            throw MalformedJsonException("${clean(e.originalMessage)}$where")
        } catch (e: java.io.IOException) {
            // Jackson's own decoding of the bytes (CharConversionException)
            throw MalformedJsonException("its bytes are not valid text (${excerpt(e.message ?: e.javaClass.simpleName, 120)})")
        }
    }

    /**
     * Refuses UTF-16 and UTF-32 sent as UTF-8, which Jackson would otherwise guess from the first bytes: JSON starts
     * with an ASCII character, so a zero byte among the first four, or a UTF-16 byte-order mark, means another encoding.
     */
    private fun requireUtf8(bytes: ByteArray) {
        val head = bytes.take(4)
        val utf16Mark =
            bytes.size >= 2 &&
                ((bytes[0] == 0xFE.toByte() && bytes[1] == 0xFF.toByte()) || (bytes[0] == 0xFF.toByte() && bytes[1] == 0xFE.toByte()))
        if (utf16Mark || head.any { it == 0.toByte() }) {
            throw MalformedJsonException(
                "it is not UTF-8 (it looks like UTF-16 or UTF-32); send UTF-8, or name the charset in Content-Type",
            )
        }
    }

    /** Reads past the value whose first token the parser is at, reading each string whole (so its limits apply). */
    private fun skip(parser: JsonParser) {
        var depth = 0
        var token = parser.currentToken()
        while (true) {
            when (token) {
                JsonToken.START_OBJECT, JsonToken.START_ARRAY -> {
                    depth++
                }

                JsonToken.END_OBJECT, JsonToken.END_ARRAY -> {
                    depth--
                }

                JsonToken.VALUE_STRING, JsonToken.FIELD_NAME -> {
                    parser.textLength
                }

                null -> {
                    throw MalformedJsonException("it ends inside a value")
                }

                else -> {}
            }
            if (depth == 0) return
            token = parser.nextToken()
        }
    }

    /** [bytes] as text of [charset]; throws [MalformedJsonException] for bytes that are not. */
    private fun decode(
        bytes: ByteArray,
        charset: Charset,
    ): String =
        try {
            charset
                .newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT)
                .decode(ByteBuffer.wrap(bytes))
                .toString()
        } catch (e: CharacterCodingException) {
            throw MalformedJsonException("it is not valid ${charset.name()} text ($e)")
        }

    /** The value whose first token the parser is at; its nesting is bounded by [maxDepth], so the recursion is too. */
    @OptIn(ExperimentalSerializationApi::class)
    private fun element(parser: JsonParser): JsonElement =
        when (parser.currentToken()) {
            JsonToken.START_OBJECT -> {
                val members = LinkedHashMap<String, JsonElement>()
                while (parser.nextToken() == JsonToken.FIELD_NAME) {
                    val name = parser.currentName()
                    parser.nextToken()
                    members[name] = element(parser)
                }
                JsonObject(members)
            }

            JsonToken.START_ARRAY -> {
                val items = ArrayList<JsonElement>()
                while (parser.nextToken() != JsonToken.END_ARRAY) items += element(parser)
                JsonArray(items)
            }

            JsonToken.VALUE_STRING -> {
                JsonPrimitive(parser.text)
            }

            JsonToken.VALUE_NUMBER_INT, JsonToken.VALUE_NUMBER_FLOAT -> {
                JsonUnquotedLiteral(parser.text)
            }

            JsonToken.VALUE_TRUE -> {
                JsonPrimitive(true)
            }

            JsonToken.VALUE_FALSE -> {
                JsonPrimitive(false)
            }

            JsonToken.VALUE_NULL -> {
                JsonNull
            }

            else -> {
                throw MalformedJsonException("unexpected ${parser.currentToken()}")
            }
        }

    /** Jackson's message without the line that quotes its source and without naming its own settings. */
    private fun clean(message: String): String =
        excerpt(
            message
                .lineSequence()
                .first()
                .replace(SETTING, "")
                .replace("Duplicate field", "duplicate key"),
            200,
        )

    private companion object {
        const val MAX_NUMBER_LENGTH = 1000
        val SETTING = Regex(", from `[^`]*`")
    }
}

/** A request body that is not the JSON a hosted call reads; [message] says what is wrong and where. */
internal class MalformedJsonException(
    message: String,
) : Exception(message)
