package io.switchboard.registry.zookeeper

import io.switchboard.config.ConfigSection
import java.time.Duration

/**
 * `app-registry.zookeeper`: the ensemble, the base path instances live under, the session, and the
 * application's own instance. The password never appears in [toString].
 *
 * @property connectString `connect-string`: one or more `host:port`, comma-separated (ZooKeeper's own form).
 * @property root the base path; `/services`, as Spring Cloud Zookeeper and Curator x-discovery use it.
 * @property sessionTimeout how long ZooKeeper keeps the session of a client it no longer hears from: an
 *   instance whose process died leaves every caller's list this long after (the server may bound it
 *   to between 2 and 20 of its ticks).
 * @property connectionTimeout how long connecting may take, at start and before each operation.
 * @property appName the service name this application registers under; null for discovery only.
 * @property ip the address this application registers; the host's address when absent.
 * @property port the port this application registers (required with [appName]).
 * @property instanceId the id of this application's instance; `host:port` when absent.
 * @property secure whether this application's instance is reached over HTTPS (its port goes in `sslPort`).
 * @property weight the weight of this application's instance (metadata `weight`).
 * @property metadata metadata advertised with the instance.
 * @property username with [password], ZooKeeper digest authentication (`username:password`).
 * @property password the digest password.
 * @property emptyPushProtection whether a change that leaves a service that had instances with none is
 *   held back (the last good list keeps serving, with a warning) instead of applied.
 */
public class ZooKeeperConfig
    @JvmOverloads
    constructor(
        public val connectString: String,
        public val root: String = DEFAULT_ROOT,
        public val sessionTimeout: Duration = Duration.ofSeconds(30),
        public val connectionTimeout: Duration = Duration.ofSeconds(10),
        public val appName: String? = null,
        public val ip: String? = null,
        public val port: Int? = null,
        public val instanceId: String? = null,
        public val secure: Boolean = false,
        public val weight: Double = 1.0,
        public val metadata: Map<String, String> = emptyMap(),
        public val username: String? = null,
        public val password: String? = null,
        public val emptyPushProtection: Boolean = true,
    ) {
        init {
            require(connectString.isNotBlank()) { "connectString: blank (expected: host:2181, or several comma-separated)" }
            require(isBasePath(root)) {
                "root: '$root' (expected: an absolute path such as /services, without a trailing '/')"
            }
            require(!sessionTimeout.isNegative && !sessionTimeout.isZero) { "sessionTimeout: $sessionTimeout (expected: > 0)" }
            require(!connectionTimeout.isNegative && !connectionTimeout.isZero) { "connectionTimeout: $connectionTimeout (expected: > 0)" }
            require(weight >= 0.0 && weight.isFinite()) { "weight: $weight (expected: a finite number >= 0)" }
            require((username == null) == (password == null)) { "username and password: give both for digest authentication, or neither" }
        }

        override fun toString(): String =
            "ZooKeeperConfig(connectString=$connectString, root=$root, sessionTimeout=$sessionTimeout, appName=$appName, ip=$ip, " +
                "port=$port, username=$username, password=${if (password == null) "null" else "***"})"

        /** Reading the configuration section. */
        public companion object {
            /** Where Spring Cloud Zookeeper and Curator x-discovery keep instances. */
            public const val DEFAULT_ROOT: String = "/services"

            /** The keys of `app-registry.zookeeper`. */
            @JvmField
            public val KEYS: List<String> =
                listOf(
                    "connect-string",
                    "root",
                    "session-timeout",
                    "connection-timeout",
                    "app-name",
                    "ip",
                    "port",
                    "instance-id",
                    "secure",
                    "weight",
                    "metadata",
                    "username",
                    "password",
                    "empty-push-protection",
                )

            /** An absolute path without a trailing `/` (or `/` itself). */
            private fun isBasePath(root: String): Boolean = root.startsWith("/") && (root == "/" || !root.endsWith("/"))

            /** Reads `app-registry.zookeeper`; a bad value fails naming its file, line and key. */
            @JvmStatic
            public fun from(section: ConfigSection): ZooKeeperConfig {
                section.checkKeys(KEYS)
                val connectString = section.nonBlank("connect-string")
                section.require(
                    connectString != null,
                    null,
                    "no connect-string (expected: connect-string: host:2181, or several comma-separated)",
                )
                connectString!!.split(',').map { it.trim() }.forEach { address ->
                    val host = address.substringBefore('/').substringBeforeLast(':')
                    val port = address.substringBefore('/').substringAfterLast(':', "").toIntOrNull()
                    section.require(
                        host.isNotBlank() && port != null && port in 1..65535,
                        "connect-string",
                        "'$address' is not an address (expected: host:port, such as 127.0.0.1:2181)",
                    )
                }
                val root = section.nonBlank("root") ?: DEFAULT_ROOT
                section.require(
                    isBasePath(root),
                    "root",
                    "'$root' is not a base path (expected: an absolute path such as /services)",
                )
                val username = section.nonBlank("username")
                val password = section.string("password")
                section.require(
                    (username == null) == (password == null),
                    if (username == null) "password" else "username",
                    "digest authentication needs both username and password",
                )
                return ZooKeeperConfig(
                    connectString = connectString,
                    root = root,
                    sessionTimeout = section.duration("session-timeout") ?: Duration.ofSeconds(30),
                    connectionTimeout = section.duration("connection-timeout") ?: Duration.ofSeconds(10),
                    appName = section.nonBlank("app-name"),
                    ip = section.nonBlank("ip"),
                    port = section.int("port", 1..65535),
                    instanceId = section.nonBlank("instance-id"),
                    secure = section.boolean("secure") ?: false,
                    weight = section.double("weight", 0.0) ?: 1.0,
                    metadata = section.stringMap("metadata"),
                    username = username,
                    password = password,
                    emptyPushProtection = section.boolean("empty-push-protection") ?: true,
                )
            }
        }
    }
