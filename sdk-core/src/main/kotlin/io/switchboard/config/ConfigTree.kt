package io.switchboard.config

import com.charleskorn.kaml.EmptyYamlDocumentException
import com.charleskorn.kaml.Yaml
import com.charleskorn.kaml.YamlException
import com.charleskorn.kaml.YamlList
import com.charleskorn.kaml.YamlMap
import com.charleskorn.kaml.YamlNode
import com.charleskorn.kaml.YamlNull
import com.charleskorn.kaml.YamlScalar
import com.charleskorn.kaml.YamlTaggedNode
import io.switchboard.ConfigurationException
import io.switchboard.Secrets

/** Where a value was written: file, line and column. */
internal data class Origin(
    val file: String,
    val line: Int,
    val column: Int,
) {
    override fun toString(): String = "$file:$line:$column"
}

/** A configuration tree that remembers where each value came from, so errors can point at it. */
internal sealed class ConfigNode {
    abstract val origin: Origin

    class MapNode(
        val entries: LinkedHashMap<String, Pair<Origin, ConfigNode>>,
        override val origin: Origin,
    ) : ConfigNode()

    class ListNode(
        val items: List<ConfigNode>,
        override val origin: Origin,
    ) : ConfigNode()

    class Scalar(
        val value: String,
        override val origin: Origin,
    ) : ConfigNode()

    class Null(
        override val origin: Origin,
    ) : ConfigNode()
}

/** Parses YAML [text] (from [file]) into a tree; a document that does not parse names its line and column. */
internal fun parseYaml(
    text: String,
    file: String,
): ConfigNode.MapNode {
    val root =
        try {
            yaml.parseToYamlNode(text)
        } catch (_: EmptyYamlDocumentException) {
            return ConfigNode.MapNode(LinkedHashMap(), Origin(file, 1, 1))
        } catch (e: YamlException) {
            throw ConfigurationException("$file:${e.line}:${e.column}: the file does not parse as YAML: ${e.message}", e)
        }
    return when (val node = convert(root, file)) {
        is ConfigNode.MapNode -> node
        is ConfigNode.Null -> ConfigNode.MapNode(LinkedHashMap(), node.origin)
        else -> throw ConfigurationException("${node.origin}: the document is not a map of keys (expected: keys such as 'service-caller:')")
    }
}

private val yaml = Yaml.default

private fun convert(
    node: YamlNode,
    file: String,
): ConfigNode {
    val origin = Origin(file, node.location.line, node.location.column)
    return when (node) {
        is YamlMap -> {
            val entries = LinkedHashMap<String, Pair<Origin, ConfigNode>>()
            node.entries.forEach { (key, value) ->
                entries[key.content] = Origin(file, key.location.line, key.location.column) to convert(value, file)
            }
            ConfigNode.MapNode(entries, origin)
        }

        is YamlList -> {
            ConfigNode.ListNode(node.items.map { convert(it, file) }, origin)
        }

        is YamlScalar -> {
            ConfigNode.Scalar(node.content, origin)
        }

        is YamlNull -> {
            ConfigNode.Null(origin)
        }

        is YamlTaggedNode -> {
            convert(node.innerNode, file)
        }

        else -> {
            ConfigNode.Scalar(node.contentToString(), origin)
        }
    }
}

/** [overlay] merged over [base]: maps merge key by key, everything else (lists included) is replaced. */
internal fun merge(
    base: ConfigNode,
    overlay: ConfigNode,
): ConfigNode {
    if (base !is ConfigNode.MapNode || overlay !is ConfigNode.MapNode) return overlay
    val merged = LinkedHashMap(base.entries)
    overlay.entries.forEach { (key, value) ->
        val existing = merged[key]
        merged[key] = if (existing == null) value else value.first to merge(existing.second, value.second)
    }
    return ConfigNode.MapNode(merged, base.origin)
}

/**
 * Replaces `${NAME}` and `${NAME:default}` in every scalar by the system property NAME, else the
 * environment variable NAME, else the default. `$${` stands for a literal `${`.
 */
internal class Expander(
    private val environment: Map<String, String>,
    private val properties: (String) -> String?,
) {
    fun expand(
        node: ConfigNode,
        path: String,
    ): ConfigNode =
        when (node) {
            is ConfigNode.MapNode -> {
                ConfigNode.MapNode(
                    node.entries.mapValuesTo(LinkedHashMap()) { (key, value) -> value.first to expand(value.second, join(path, key)) },
                    node.origin,
                )
            }

            is ConfigNode.ListNode -> {
                ConfigNode.ListNode(node.items.mapIndexed { i, item -> expand(item, "$path[$i]") }, node.origin)
            }

            is ConfigNode.Scalar -> {
                if (node.value.contains("\${")) ConfigNode.Scalar(expand(node.value, node.origin, path), node.origin) else node
            }

            is ConfigNode.Null -> {
                node
            }
        }

    private fun expand(
        value: String,
        origin: Origin,
        path: String,
    ): String {
        val out = StringBuilder()
        var i = 0
        while (i < value.length) {
            if (value.startsWith("$\${", i)) {
                out.append("\${")
                i += 3
                continue
            }
            if (!value.startsWith("\${", i)) {
                out.append(value[i++])
                continue
            }
            val close = value.indexOf('}', i)
            if (close < 0) {
                val shown = if (Secrets.isSensitive(path.substringAfterLast('.'))) "***" else value
                throw ConfigurationException("$origin: $path: '\${' is not closed in '$shown' (expected: \${NAME} or \${NAME:default})")
            }
            val expression = value.substring(i + 2, close)
            val name = expression.substringBefore(':').trim()
            val default = if (expression.contains(':')) expression.substringAfter(':') else null
            if (name.isEmpty()) {
                throw ConfigurationException(
                    "$origin: $path: '\${$expression}' names no variable (expected: \${NAME} or \${NAME:default})",
                )
            }
            val resolved =
                properties(name) ?: environment[name] ?: default
                    ?: throw ConfigurationException(
                        "$origin: $path: \${$name} has no value (set the environment variable or system property $name, " +
                            "or give a default: \${$name:value})",
                    )
            out.append(resolved)
            i = close + 1
        }
        return out.toString()
    }
}

internal fun join(
    path: String,
    key: String,
): String = if (path.isEmpty()) key else "$path.$key"
