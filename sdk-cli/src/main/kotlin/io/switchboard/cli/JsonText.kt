package io.switchboard.cli

import kotlinx.serialization.json.Json
import kotlinx.serialization.json.JsonElement

/** The command line's JSON: pretty for people and for `--json`, one line per event for `watch --json`. */
object JsonText {
    /** Indented output. */
    val pretty: Json =
        Json {
            prettyPrint = true
            prettyPrintIndent = "  "
            encodeDefaults = true
        }

    /** One-line output. */
    val compact: Json = Json { encodeDefaults = true }

    /**
     * [text] read as exactly one JSON value — strictly: no bare words, no comments, nothing after the value — or a
     * [CliFailure] (usage) naming [what], the parser's complaint and where.
     */
    fun parse(
        text: String,
        what: String,
    ): JsonElement {
        try {
            strict.readTree(text) ?: throw CliFailure("$what is not JSON: it is empty", ExitCode.USAGE)
        } catch (e: com.fasterxml.jackson.core.JsonProcessingException) {
            val where = e.location?.let { " at line ${it.lineNr}, column ${it.columnNr}" }.orEmpty()
            throw CliFailure("$what is not JSON: ${Session.oneLine(e.originalMessage).take(MAX_REASON)}$where", ExitCode.USAGE, e)
        }
        return Json.parseToJsonElement(text)
    }

    /** [bytes] pretty-printed when they are JSON, else as text. */
    fun prettyOrText(bytes: ByteArray): String {
        val text = bytes.toString(Charsets.UTF_8)
        val element = runCatching { Json.parseToJsonElement(text) }.getOrNull() ?: return text
        return pretty.encodeToString(JsonElement.serializer(), element)
    }

    private const val MAX_REASON = 160

    // kotlinx's reader takes a bare word for a string; Jackson's, set strict, checks what the user typed
    private val strict =
        com.fasterxml.jackson.databind
            .ObjectMapper()
            .enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(
                com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION
                    .mappedFeature(),
            )
}
