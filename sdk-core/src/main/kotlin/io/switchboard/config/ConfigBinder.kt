package io.switchboard.config

import io.switchboard.ConfigurationException
import io.switchboard.HttpEngine
import io.switchboard.OutlierDetection
import io.switchboard.RetryPolicy
import io.switchboard.ServiceInstance
import io.switchboard.balancer.LoadBalancers
import io.switchboard.discovery.InstanceSnapshot
import io.switchboard.interceptor.SigningInterceptor
import io.switchboard.internal.RetryOverrides
import io.switchboard.internal.levenshtein
import org.slf4j.event.Level
import java.nio.file.Path

/** Turns a merged, expanded configuration tree into a [SwitchboardConfig], checking every value. */
internal object ConfigBinder {
    private const val CALLER = "service-caller"
    private const val REGISTRY = "app-registry"

    private val callerKeys =
        listOf(
            "lb-type",
            "connection-timeout",
            "read-timeout",
            "request-timeout",
            "connection-pool-size",
            "keep-alive",
            "engine",
            "interceptors",
            "services",
            "retry",
            "outlier-detection",
            "instance-snapshot",
            "tls",
        )
    private val snapshotKeys = listOf("path", "max-age")
    private val serviceKeys =
        listOf(
            "lb-type",
            "connection-timeout",
            "read-timeout",
            "request-timeout",
            "instances",
            "retry",
            "idempotent",
            "outlier-detection",
            "tls",
            "interceptors",
        )

    /** The keys of a `retry` section, wherever one appears (the manager, a service, a client spec's endpoint). */
    internal val retryKeys: List<String> =
        listOf(
            "max-attempts",
            "retryable-statuses",
            "attempt-timeout",
            "budget-ratio",
            "budget-min-per-second",
            "backoff-initial",
            "backoff-max",
            "hedging-delay",
        )
    private val outlierKeys =
        listOf("enabled", "consecutive-failures", "base-ejection", "max-ejection", "max-ejected-share", "eject-on-connection-refused")
    private val instanceKeys = listOf("host", "port", "weight", "secure", "healthy", "cluster", "instance-id", "metadata")
    private val interceptorKeys = listOf("logging", "auth", "metrics", "signing")

    /** A service's own interceptors: its credentials, and its logging. */
    private val serviceInterceptorKeys = listOf("logging", "auth", "signing")
    private val signingKeys = listOf("enabled", "key-id", "secret")
    private val loggingKeys = listOf("enabled", "level", "log-request", "log-response")
    private val authKeys = listOf("enabled", "token", "header-name", "prefix")
    private val metricsKeys = listOf("enabled")
    private val engines = mapOf("netty" to HttpEngine.NETTY, "okhttp" to HttpEngine.OKHTTP, "cio" to HttpEngine.CIO)
    private val levels = Level.entries.associateBy { it.name.lowercase() }

    fun bind(
        root: ConfigNode.MapNode,
        sources: List<String>,
        profiles: List<String>,
    ): SwitchboardConfig {
        checkTopLevel(root)
        val top =
            ConfigSection(
                ConfigNode.MapNode(
                    LinkedHashMap(
                        root.entries.filterKeys {
                            it == CALLER || it == REGISTRY
                        },
                    ),
                    root.origin,
                ),
                "",
                listOf(CALLER, REGISTRY),
            )
        val caller = top.section(CALLER, callerKeys + ExtensionProviders.names())?.let(::caller) ?: ServiceCallerConfig()
        val registries = top.section(REGISTRY, null)?.let(::registries) ?: emptyMap()
        return SwitchboardConfig(caller, registries, sources, profiles)
    }

    /** Top-level keys belong to the application too; only near-misses of ours are errors. */
    private fun checkTopLevel(root: ConfigNode.MapNode) {
        root.entries.forEach { (key, value) ->
            if (key == CALLER || key == REGISTRY) return@forEach
            val ours = listOf(CALLER, REGISTRY).firstOrNull { levenshtein(it, key) <= 2 }
            if (ours != null) throw ConfigurationException("${value.first}: $key is not a known key (did you mean '$ours'?)")
        }
    }

    private fun caller(section: ConfigSection): ServiceCallerConfig {
        val defaults = ServiceCallerConfig()
        val retry = section.section("retry", retryKeys)?.let(::retryOverrides)?.over(RetryPolicy.DEFAULT)
        return ServiceCallerConfig(
            lbType = strategy(section) ?: defaults.lbType,
            connectionTimeout = section.duration("connection-timeout") ?: defaults.connectionTimeout,
            readTimeout = section.duration("read-timeout") ?: defaults.readTimeout,
            requestTimeout = section.duration("request-timeout"),
            connectionPoolSize = section.int("connection-pool-size", 1..100_000) ?: defaults.connectionPoolSize,
            keepAlive = section.duration("keep-alive") ?: defaults.keepAlive,
            engine = section.choice("engine", engines) ?: defaults.engine,
            interceptors = section.section("interceptors", interceptorKeys)?.let(::interceptors) ?: defaults.interceptors,
            services = section.namedSections("services", serviceKeys) { name, service -> service(name, service, retry) },
            retry = retry,
            outlierDetection = section.section("outlier-detection", outlierKeys)?.let(::outlierDetection),
            instanceSnapshot = section.section("instance-snapshot", snapshotKeys)?.let(::instanceSnapshot),
            tls = section.section("tls", TLS_KEYS)?.let(::clientTls),
            extensions = extensions(section),
        )
    }

    /** `service-caller.<extension>`: each extension's section, checked by its provider now and made into one later. */
    private fun extensions(section: ConfigSection): Map<String, ConfigSection> {
        val found = LinkedHashMap<String, ConfigSection>()
        for (name in ExtensionProviders.names()) {
            // a bare `observability:` turns the extension on with its defaults
            val own = section.section(name, null) ?: section.emptySection(name) ?: continue
            val provider = ExtensionProviders.all()[name]
            section.require(
                provider != null,
                name,
                "needs ${ExtensionProviders.known[name] ?: "the module that provides it"} on the classpath",
            )
            provider!!.validate(own)
            found[name] = own
        }
        return found
    }

    private fun instanceSnapshot(section: ConfigSection): InstanceSnapshot {
        val file = section.path("path")
        section.require(file != null, null, "no path (expected: the snapshot file, such as /var/lib/orders/instances.json)")
        return InstanceSnapshot(file!!, section.duration("max-age") ?: InstanceSnapshot.DEFAULT_MAX_AGE)
    }

    private fun strategy(section: ConfigSection): String? = section.choice("lb-type", LoadBalancers.names.associateBy { it })

    private fun interceptors(section: ConfigSection): InterceptorsConfig {
        val logging =
            section.section("logging", loggingKeys)?.takeIf { it.boolean("enabled") != false }?.let {
                LoggingConfig(
                    level = it.choice("level", levels) ?: Level.INFO,
                    logRequest = it.boolean("log-request") ?: true,
                    logResponse = it.boolean("log-response") ?: true,
                )
            }
        val auth =
            section.section("auth", authKeys)?.takeIf { it.boolean("enabled") != false }?.let {
                val token = it.string("token")
                it.require(!token.isNullOrEmpty(), "token", "no token (expected: the token to send, for example \${API_TOKEN})")
                AuthConfig(token!!, it.nonBlank("header-name") ?: "Authorization", it.string("prefix") ?: "Bearer ")
            }
        val metrics = section.section("metrics", metricsKeys)?.let { it.boolean("enabled") != false } ?: false
        val signing =
            section.section("signing", signingKeys)?.takeIf { it.boolean("enabled") != false }?.let {
                val keyId = it.nonBlank("key-id")
                it.require(keyId != null, null, "no key-id (expected: the name of the key the server knows this caller by)")
                val secret = it.string("secret")
                it.require(
                    secret != null && secret.toByteArray().size >= SigningInterceptor.MIN_SECRET_BYTES,
                    "secret",
                    "a secret of at least ${SigningInterceptor.MIN_SECRET_BYTES} bytes is required (for example \${SIGNING_SECRET})",
                )
                SigningConfig(keyId!!, secret!!)
            }
        return InterceptorsConfig(logging, auth, metrics, signing)
    }

    /** `services.<name>`; its `retry` section refines [callerRetry] (the `service-caller.retry` section's policy, if any). */
    private fun service(
        name: String,
        section: ConfigSection,
        callerRetry: RetryPolicy?,
    ): ServiceConfig {
        val retry = section.section("retry", retryKeys)?.let(::retryOverrides)
        return ServiceConfig(
            lbType = strategy(section),
            connectionTimeout = section.duration("connection-timeout"),
            readTimeout = section.duration("read-timeout"),
            requestTimeout = section.duration("request-timeout"),
            instances = section.sectionList("instances", instanceKeys) { instance(name, it) },
            retry = retry?.over(callerRetry ?: RetryPolicy.DEFAULT),
            idempotent = section.boolean("idempotent"),
            retryOverrides = retry,
            outlierDetection = section.section("outlier-detection", outlierKeys)?.let(::outlierDetection),
            tls = section.section("tls", TLS_KEYS)?.let(::clientTls),
            interceptors = section.section("interceptors", serviceInterceptorKeys)?.let(::interceptors),
        )
    }

    /** An `outlier-detection` section: what it leaves out keeps [OutlierDetection.DEFAULT]'s value; `enabled: false` turns it off. */
    private fun outlierDetection(section: ConfigSection): OutlierDetection {
        val builder = OutlierDetection.builder()
        section.boolean("enabled")?.let(builder::enabled)
        section.int("consecutive-failures", 1..1_000_000)?.let(builder::consecutiveFailures)
        section.duration("base-ejection")?.let(builder::baseEjection)
        section.duration("max-ejection")?.let(builder::maxEjection)
        section.double("max-ejected-share", 0.0)?.let {
            section.require(it <= 1.0, "max-ejected-share", "'$it' (expected: a number from 0 to 1)")
            builder.maxEjectedShare(it)
        }
        section.boolean("eject-on-connection-refused")?.let(builder::ejectOnConnectionRefused)
        val base = builder.baseEjection
        val max = builder.maxEjection
        section.require(
            max >= base,
            if (section.keys().contains("max-ejection")) "max-ejection" else "base-ejection",
            "max-ejection ${max.toMillis()} ms is below base-ejection ${base.toMillis()} ms (expected: max-ejection >= base-ejection)",
        )
        return builder.build()
    }

    /**
     * A `retry` section as the keys it sets: the ones it leaves out come from the policy it refines — for
     * `service-caller.retry` [RetryPolicy.DEFAULT], for a service's the manager's, for an endpoint's its service's.
     */
    internal fun retryOverrides(section: ConfigSection): RetryOverrides =
        RetryOverrides(
            maxAttempts = section.int("max-attempts", 1..10),
            retryableStatuses = section.intList("retryable-statuses", 300..599)?.toSet(),
            attemptTimeout = section.duration("attempt-timeout"),
            budgetRatio = section.double("budget-ratio", 0.0),
            minRetriesPerSecond = section.int("budget-min-per-second", 0..100_000),
            initialBackoff = section.duration("backoff-initial"),
            maxBackoff = section.duration("backoff-max"),
            hedgingDelay = section.duration("hedging-delay"),
        )

    private fun instance(
        serviceName: String,
        section: ConfigSection,
    ): ServiceInstance {
        val host = section.nonBlank("host")
        section.require(host != null, null, "no host (expected: host: 127.0.0.1)")
        val port = section.int("port", 1..65535)
        section.require(port != null, null, "no port (expected: port: 8080)")
        return ServiceInstance(
            serviceName = serviceName,
            host = host!!,
            port = port!!,
            instanceId = section.nonBlank("instance-id") ?: "$host:$port",
            secure = section.boolean("secure") ?: false,
            weight = section.double("weight", 0.0) ?: 1.0,
            healthy = section.boolean("healthy") ?: true,
            cluster = section.nonBlank("cluster") ?: ServiceInstance.DEFAULT_CLUSTER,
            metadata = section.stringMap("metadata"),
        )
    }

    /** `app-registry.<name>`: each registry's section, read later by the adapter of that name. */
    private fun registries(section: ConfigSection): Map<String, ConfigSection> {
        val known = RegistryProviders.all().keys
        if (known.isNotEmpty()) {
            // a near-miss of an adapter that is present is a typo; an unknown name is reported when a manager connects
            section.keys().forEach { key ->
                val nearest = known.firstOrNull { it != key && levenshtein(it, key) <= 2 }
                section.require(key in known || nearest == null, key, "not a known registry (did you mean '$nearest'?)")
            }
        }
        val sections = section.keys().mapNotNull { key -> section.section(key, null)?.let { key to it } }.toMap(LinkedHashMap())
        // an adapter on the classpath checks its own section now, so a bad value fails at load
        sections.forEach { (name, own) -> RegistryProviders.all()[name]?.validate(own) }
        return sections
    }
}
