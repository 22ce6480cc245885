package io.switchboard.registry.nacos

import io.switchboard.config.ConfigSection

/**
 * `app-registry.nacos`: where the application registers itself and discovers other services. The
 * password never appears in [toString].
 *
 * @property serverAddr `server-addr`: one or more `host:port`, comma-separated.
 * @property namespace the namespace id; empty for the public namespace.
 * @property cluster the cluster of this application's instance.
 * @property group the service group.
 * @property ip the address this application registers; null to leave registration off or detect it.
 * @property port the port this application registers.
 * @property appName the service name this application registers under.
 * @property username the Nacos user, when auth is on.
 * @property password the Nacos password, when auth is on.
 * @property weight the weight of this application's instance.
 * @property ephemeral whether the instance is ephemeral (kept alive by the client).
 * @property metadata metadata advertised with the instance.
 * @property emptyPushProtection whether an empty instance list pushed for a service that had
 *   instances is held back (the last good list keeps serving, with a warning) instead of applied.
 */
public class NacosConfig
    @JvmOverloads
    constructor(
        public val serverAddr: String,
        public val namespace: String = "",
        public val cluster: String = "DEFAULT",
        public val group: String = "DEFAULT_GROUP",
        public val ip: String? = null,
        public val port: Int? = null,
        public val appName: String? = null,
        public val username: String? = null,
        public val password: String? = null,
        public val weight: Double = 1.0,
        public val ephemeral: Boolean = true,
        public val metadata: Map<String, String> = emptyMap(),
        public val emptyPushProtection: Boolean = true,
    ) {
        override fun toString(): String =
            "NacosConfig(serverAddr=$serverAddr, namespace=$namespace, cluster=$cluster, group=$group, ip=$ip, port=$port, " +
                "appName=$appName, username=$username, password=${if (password == null) "null" else "***"}, weight=$weight, ephemeral=$ephemeral)"

        /** Reading the configuration section. */
        public companion object {
            /** The keys of `app-registry.nacos` (the seed's, plus `ephemeral`, `metadata` and `empty-push-protection`). */
            @JvmField
            public val KEYS: List<String> =
                listOf(
                    "server-addr",
                    "namespace",
                    "cluster",
                    "group",
                    "ip",
                    "port",
                    "app-name",
                    "username",
                    "password",
                    "weight",
                    "ephemeral",
                    "metadata",
                    "empty-push-protection",
                )

            /** Reads `app-registry.nacos`; a bad value fails naming its file, line and key. */
            @JvmStatic
            public fun from(section: ConfigSection): NacosConfig {
                section.checkKeys(KEYS)
                val serverAddr = section.string("server-addr")
                section.require(
                    !serverAddr.isNullOrBlank(),
                    null,
                    "no server-addr (expected: server-addr: host:8848, or several comma-separated)",
                )
                serverAddr!!.split(',').map { it.trim() }.forEach { address ->
                    val port = address.substringAfterLast(':', "8848").toIntOrNull()
                    val host = if (address.contains(':')) address.substringBeforeLast(':') else address
                    section.require(
                        host.isNotBlank() && port != null && port in 1..65535,
                        "server-addr",
                        "'$address' is not an address (expected: host:port, such as 127.0.0.1:8848)",
                    )
                }
                return NacosConfig(
                    serverAddr = serverAddr,
                    namespace = section.string("namespace") ?: "",
                    cluster = section.nonBlank("cluster") ?: "DEFAULT",
                    group = section.nonBlank("group") ?: "DEFAULT_GROUP",
                    ip = section.nonBlank("ip"),
                    port = section.int("port", 1..65535),
                    appName = section.nonBlank("app-name"),
                    username = section.string("username"),
                    password = section.string("password"),
                    weight = section.double("weight", 0.0) ?: 1.0,
                    ephemeral = section.boolean("ephemeral") ?: true,
                    metadata = section.stringMap("metadata"),
                    emptyPushProtection = section.boolean("empty-push-protection") ?: true,
                )
            }
        }
    }
