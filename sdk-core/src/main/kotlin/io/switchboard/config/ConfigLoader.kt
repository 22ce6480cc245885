package io.switchboard.config

import io.switchboard.ConfigurationException
import org.slf4j.LoggerFactory
import java.nio.file.Files
import java.nio.file.Path

/**
 * Loads a [SwitchboardConfig] from `application.yaml` (or `.yml`) and, merged over it in order, the
 * `application-{profile}.yaml` of each active profile: maps merge key by key, lists and values are
 * replaced.
 *
 * Active profiles are, first found: the profiles passed to [load]; the system property
 * `switchboard.profiles.active`; the environment variable `SWITCHBOARD_PROFILES_ACTIVE` (comma-separated).
 * A profile without a file is logged and skipped.
 *
 * Every string value may hold `${NAME}` or `${NAME:default}`: the system property NAME, else the
 * environment variable NAME, else the default; with none of them, loading fails naming the key.
 * `$${` writes a literal `${`.
 *
 * @param environment the environment variables; the process's by default.
 * @param properties looks up system properties; the JVM's by default.
 */
public class ConfigLoader
    @JvmOverloads
    constructor(
        private val environment: Map<String, String> = System.getenv(),
        private val properties: java.util.function.Function<String, String?> = java.util.function.Function { System.getProperty(it) },
    ) {
        /** Loads from [directory]; [profiles] replace the active profiles from the environment when given. */
        public fun load(
            directory: Path,
            vararg profiles: String,
        ): SwitchboardConfig {
            if (!Files.isDirectory(
                    directory,
                )
            ) {
                throw ConfigurationException("$directory: not a directory (expected: the folder holding application.yaml)")
            }
            return loadFrom(profiles.toList(), "$directory") { name ->
                val file = directory.resolve(name)
                if (Files.isRegularFile(file)) file.toString() to Files.readString(file) else null
            }
        }

        /** Loads from the classpath of [classLoader]; [profiles] replace the active profiles from the environment when given. */
        @JvmOverloads
        public fun loadFromClasspath(
            vararg profiles: String,
            classLoader: ClassLoader = Thread.currentThread().contextClassLoader ?: ConfigLoader::class.java.classLoader,
        ): SwitchboardConfig =
            loadFrom(profiles.toList(), "the classpath") { name ->
                classLoader.getResource(name)?.let { url -> "classpath:$name" to url.readText() }
            }

        /** Parses one YAML document, named [name] in errors, with no profiles. */
        @JvmOverloads
        public fun parse(
            yaml: String,
            name: String = "application.yaml",
        ): SwitchboardConfig = bind(listOf(name to yaml), emptyList())

        /** The active profiles when none are passed: the system property, else the environment variable. */
        public fun activeProfiles(): List<String> =
            (properties.apply(PROFILES_PROPERTY) ?: environment[PROFILES_ENV])
                ?.split(',')
                ?.map { it.trim() }
                ?.filter { it.isNotEmpty() }
                .orEmpty()

        private fun loadFrom(
            requested: List<String>,
            where: String,
            read: (String) -> Pair<String, String>?,
        ): SwitchboardConfig {
            val profiles = requested.map { it.trim() }.filter { it.isNotEmpty() }.ifEmpty { activeProfiles() }
            val base =
                read("application.yaml") ?: read("application.yml")
                    ?: throw ConfigurationException("no application.yaml or application.yml in $where")
            val documents = mutableListOf(base)
            for (profile in profiles) {
                val file = read("application-$profile.yaml") ?: read("application-$profile.yml")
                if (file == null) {
                    log.info("Profile '{}' is active but {} has no application-{}.yaml; skipped", profile, where, profile)
                } else {
                    documents += file
                }
            }
            return bind(documents, profiles)
        }

        private fun bind(
            documents: List<Pair<String, String>>,
            profiles: List<String>,
        ): SwitchboardConfig {
            val merged =
                documents
                    .map { (name, text) ->
                        parseYaml(text, name)
                    }.reduce { acc, next -> merge(acc, next) as ConfigNode.MapNode }
            // only Switchboard's sections are expanded: the rest of the file belongs to the application
            val ours = ConfigNode.MapNode(LinkedHashMap(merged.entries.filterKeys { it in OWN_SECTIONS }), merged.origin)
            val expanded =
                ConfigNode.MapNode(
                    LinkedHashMap(
                        merged.entries,
                    ).apply { putAll((Expander(environment) { properties.apply(it) }.expand(ours, "") as ConfigNode.MapNode).entries) },
                    merged.origin,
                )
            return ConfigBinder.bind(expanded, documents.map { it.first }, profiles)
        }

        /** Names. */
        public companion object {
            /** The system property naming the active profiles. */
            public const val PROFILES_PROPERTY: String = "switchboard.profiles.active"

            /** The environment variable naming the active profiles. */
            public const val PROFILES_ENV: String = "SWITCHBOARD_PROFILES_ACTIVE"

            private val log = LoggerFactory.getLogger(ConfigLoader::class.java)
            private val OWN_SECTIONS = setOf("service-caller", "app-registry")
        }
    }
