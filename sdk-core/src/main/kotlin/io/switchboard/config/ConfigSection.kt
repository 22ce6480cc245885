package io.switchboard.config

import io.switchboard.ConfigurationException
import io.switchboard.Secrets
import io.switchboard.internal.levenshtein
import java.time.Duration
import java.time.format.DateTimeParseException

/**
 * One map of the configuration (`service-caller`, `app-registry.nacos`, …), read with precise errors:
 * each names the file, line, column, key path, value (masked for secrets) and what was expected. Keys a
 * reader does not know are reported with the nearest known key.
 *
 * Registry adapters read their own `app-registry.<name>` section through it (see
 * [io.switchboard.spi.RegistryProvider]); every getter returns null when the key is absent.
 */
public class ConfigSection internal constructor(
    private val node: ConfigNode.MapNode,
    /** The key path of this section, such as `app-registry.nacos`. */
    public val path: String,
    known: Collection<String>?,
) {
    init {
        if (known != null) checkKeys(known)
    }

    /** Throws [ConfigurationException] naming the first key that is not in [known], with the nearest known one. */
    public fun checkKeys(known: Collection<String>) {
        node.entries.forEach { (key, value) ->
            if (key !in known) {
                val nearest = known.minByOrNull { levenshtein(it, key) }?.takeIf { levenshtein(it, key) <= maxOf(2, key.length / 3) }
                throw ConfigurationException(
                    "${value.first}: ${join(path, key)} is not a known key" +
                        (nearest?.let { " (did you mean '$it'?)" } ?: " (known keys: ${known.joinToString(", ")})"),
                )
            }
        }
    }

    internal val origin: Origin get() = node.origin

    /** The keys present in this section. */
    public fun keys(): Set<String> = node.entries.keys

    /** Where this section starts, as `file:line:column`. */
    public val location: String get() = origin.toString()

    private fun raw(key: String): ConfigNode? = node.entries[key]?.second?.takeUnless { it is ConfigNode.Null }

    private fun scalar(
        key: String,
        expected: String,
    ): ConfigNode.Scalar? =
        when (val value = raw(key)) {
            null -> null
            is ConfigNode.Scalar -> value
            else -> throw ConfigurationException("${value.origin}: ${join(path, key)}: a ${kind(value)} (expected: $expected)")
        }

    internal fun fail(
        key: String,
        value: ConfigNode.Scalar,
        expected: String,
    ): Nothing = throw ConfigurationException("${value.origin}: ${join(path, key)}: '${display(key, value.value)}' (expected: $expected)")

    /** The text at [key]. */
    public fun string(key: String): String? = scalar(key, "a text value")?.value

    /** The file path at [key]; a value that is no path fails naming the key. */
    internal fun path(key: String): java.nio.file.Path? {
        val value = nonBlank(key) ?: return null
        return try {
            java.nio.file.Path
                .of(value)
        } catch (e: java.nio.file.InvalidPathException) {
            require(false, key, "'$value' is not a file path (${e.reason})")
            error("unreachable")
        }
    }

    /** The text at [key], which must not be blank. */
    public fun nonBlank(key: String): String? {
        val value = scalar(key, "a non-blank text value") ?: return null
        if (value.value.isBlank()) fail(key, value, "a non-blank text value")
        return value.value
    }

    /** The whole number at [key], which must lie in [range]. */
    @JvmName("intInRange") // `int` is a keyword in Java, which calls intValue(key, min, max)
    public fun int(
        key: String,
        range: IntRange,
    ): Int? {
        val expected = "a whole number from ${range.first} to ${range.last}"
        val value = scalar(key, expected) ?: return null
        val number = value.value.trim().toIntOrNull() ?: fail(key, value, expected)
        if (number !in range) fail(key, value, expected)
        return number
    }

    /** The number at [key], which must be finite and at least [min]. */
    public fun double(
        key: String,
        min: Double,
    ): Double? {
        val expected = "a number >= $min"
        val value = scalar(key, expected) ?: return null
        val number =
            value.value
                .trim()
                .toDoubleOrNull()
                ?.takeIf { it.isFinite() } ?: fail(key, value, expected)
        if (number < min) fail(key, value, expected)
        return number
    }

    /** `true`/`yes`/`on` or `false`/`no`/`off` at [key]. */
    public fun boolean(key: String): Boolean? {
        val value = scalar(key, "true or false") ?: return null
        return when (value.value.trim().lowercase()) {
            "true", "yes", "on" -> true
            "false", "no", "off" -> false
            else -> fail(key, value, "true or false")
        }
    }

    /** A duration: a number of seconds (6, 1.5) or a number with a unit (500ms, 2s, 1m, 1h, 7d), or ISO-8601 (PT2S); above zero. */
    public fun duration(key: String): Duration? {
        val expected = "a duration above zero, such as 6 (seconds), 1.5, 500ms, 2s, 1m, 1h or 7d"
        val value = scalar(key, expected) ?: return null
        val duration = parseDuration(value.value.trim()) ?: fail(key, value, expected)
        if (duration.isNegative || duration.isZero) fail(key, value, expected)
        return duration
    }

    /** The value of [choices] named (case-insensitively) at [key]. */
    public fun <T> choice(
        key: String,
        choices: Map<String, T>,
    ): T? {
        val expected = "one of ${choices.keys.joinToString(", ")}"
        val value = scalar(key, expected) ?: return null
        return choices[value.value.trim().lowercase()] ?: fail(key, value, expected)
    }

    /** The map at [key] as a section that accepts only [known] keys (any key when null); null when absent. */
    public fun section(
        key: String,
        known: Collection<String>?,
    ): ConfigSection? =
        when (val value = raw(key)) {
            null -> null
            is ConfigNode.MapNode -> ConfigSection(value, join(path, key), known)
            else -> throw ConfigurationException("${value.origin}: ${join(path, key)}: a ${kind(value)} (expected: a map of keys)")
        }

    /** An empty section at [key] when the key is present with no value (`observability:`); else null. */
    internal fun emptySection(key: String): ConfigSection? {
        val value = node.entries[key]?.second as? ConfigNode.Null ?: return null
        return ConfigSection(ConfigNode.MapNode(LinkedHashMap(), value.origin), join(path, key), null)
    }

    /** A map whose keys are names chosen by the user (such as service names); each value is read by [read]. */
    internal fun <T> namedSections(
        key: String,
        known: Collection<String>,
        read: (String, ConfigSection) -> T,
    ): Map<String, T> {
        val value = raw(key) ?: return emptyMap()
        if (value !is ConfigNode.MapNode) {
            throw ConfigurationException("${value.origin}: ${join(path, key)}: a ${kind(value)} (expected: a map of names)")
        }
        val prefix = join(path, key)
        return value.entries.entries.associateTo(LinkedHashMap()) { (name, entry) ->
            val child = entry.second
            val section =
                when (child) {
                    is ConfigNode.MapNode -> ConfigSection(child, join(prefix, name), known)

                    is ConfigNode.Null -> ConfigSection(ConfigNode.MapNode(LinkedHashMap(), child.origin), join(prefix, name), known)

                    else -> throw ConfigurationException(
                        "${child.origin}: ${join(prefix, name)}: a ${kind(child)} (expected: a map of keys)",
                    )
                }
            name to read(name, section)
        }
    }

    /** A list of maps, each read by [read]. */
    internal fun <T> sectionList(
        key: String,
        known: Collection<String>,
        read: (ConfigSection) -> T,
    ): List<T> {
        val value = raw(key) ?: return emptyList()
        if (value !is ConfigNode.ListNode) {
            throw ConfigurationException("${value.origin}: ${join(path, key)}: a ${kind(value)} (expected: a list)")
        }
        return value.items.mapIndexed { i, item ->
            if (item !is ConfigNode.MapNode) {
                throw ConfigurationException("${item.origin}: ${join(path, key)}[$i]: a ${kind(item)} (expected: a map of keys)")
            }
            read(ConfigSection(item, "${join(path, key)}[$i]", known))
        }
    }

    /** The whole number at [key], from [min] to [max]: [int] for Java. */
    public fun intValue(
        key: String,
        min: Int,
        max: Int,
    ): Int? = int(key, min..max)

    /** Whole numbers in [range], as a YAML list (`[502, 503]`) or comma-separated text (`502, 503`). */
    public fun intList(
        key: String,
        range: IntRange,
    ): List<Int>? {
        val expected = "whole numbers from ${range.first} to ${range.last}, as a list or comma-separated"
        val items: List<ConfigNode.Scalar> =
            when (val value = raw(key)) {
                null -> {
                    return null
                }

                is ConfigNode.Scalar -> {
                    value.value.split(',').map { ConfigNode.Scalar(it.trim(), value.origin) }
                }

                is ConfigNode.ListNode -> {
                    value.items.map {
                        it as? ConfigNode.Scalar
                            ?: throw ConfigurationException("${it.origin}: ${join(path, key)}: a ${kind(it)} (expected: $expected)")
                    }
                }

                else -> {
                    throw ConfigurationException("${value.origin}: ${join(path, key)}: a ${kind(value)} (expected: $expected)")
                }
            }
        return items.map { item -> item.value.toIntOrNull()?.takeIf { it in range } ?: fail(key, item, expected) }
    }

    /** A map of text values. */
    public fun stringMap(key: String): Map<String, String> {
        val value = raw(key) ?: return emptyMap()
        if (value !is ConfigNode.MapNode) {
            throw ConfigurationException("${value.origin}: ${join(path, key)}: a ${kind(value)} (expected: a map of text values)")
        }
        return value.entries.entries.associateTo(LinkedHashMap()) { (k, v) ->
            val scalar =
                v.second as? ConfigNode.Scalar
                    ?: throw ConfigurationException(
                        "${v.second.origin}: ${join(join(path, key), k)}: a ${kind(v.second)} (expected: a text value)",
                    )
            k to scalar.value
        }
    }

    /** Throws unless [condition], naming [key] (or the section itself) and [problem]. */
    public fun require(
        condition: Boolean,
        key: String?,
        problem: String,
    ) {
        if (condition) return
        val at = key?.let { node.entries[it]?.first } ?: origin
        throw ConfigurationException("$at: ${if (key == null) path else join(path, key)}: $problem")
    }

    private fun kind(node: ConfigNode): String =
        when (node) {
            is ConfigNode.MapNode -> "map"
            is ConfigNode.ListNode -> "list"
            is ConfigNode.Scalar -> "text value"
            is ConfigNode.Null -> "null"
        }

    private fun display(
        key: String,
        value: String,
    ): String = if (Secrets.isSensitive(key)) "***" else value
}

private val PLAIN_NUMBER = Regex("""^-?\d+(?:\.\d+)?$""")

internal fun parseDuration(text: String): Duration? {
    // a plain number is seconds (not through toDouble alone, which reads "2d" and "2f" as Java literals)
    if (PLAIN_NUMBER.matches(text)) return Duration.ofNanos((text.toDouble() * 1e9).toLong())
    if (text.startsWith("P", ignoreCase = true)) {
        return try {
            Duration.parse(text)
        } catch (_: DateTimeParseException) {
            null
        }
    }
    val match = Regex("""^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$""", RegexOption.IGNORE_CASE).matchEntire(text) ?: return null
    val amount = match.groupValues[1].toDouble()
    val nanosPerUnit =
        when (match.groupValues[2].lowercase()) {
            "ms" -> 1e6
            "s" -> 1e9
            "m" -> 60e9
            "h" -> 3600e9
            else -> 86_400e9
        }
    return Duration.ofNanos((amount * nanosPerUnit).toLong())
}
