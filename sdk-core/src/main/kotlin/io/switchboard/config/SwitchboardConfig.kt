package io.switchboard.config

import io.switchboard.ConfigurationException
import io.switchboard.HttpEngine
import io.switchboard.OutlierDetection
import io.switchboard.RetryPolicy
import io.switchboard.ServiceInstance
import io.switchboard.ServiceManager
import io.switchboard.ServiceManagerBuilder
import io.switchboard.ServiceSettings
import io.switchboard.discovery.InstanceSnapshot
import io.switchboard.discovery.SnapshotConnection
import io.switchboard.interceptor.AuthInterceptor
import io.switchboard.interceptor.LoggingInterceptor
import io.switchboard.interceptor.MetricsInterceptor
import io.switchboard.interceptor.SigningInterceptor
import io.switchboard.internal.RetryOverrides
import io.switchboard.spi.RegistryConnection
import io.switchboard.spi.RegistryProvider
import org.slf4j.event.Level
import java.nio.file.Path
import java.time.Duration

/**
 * Switchboard's settings as loaded from `application.yaml` (and its profile files): the
 * `service-caller` section and the `app-registry` section. Other top-level keys belong to the
 * application and are left alone.
 *
 * @property serviceCaller how calls are made.
 * @property appRegistry the `app-registry` sections by registry name (`nacos`, …); each is read by the
 *   registry adapter of that name.
 * @property sources the files (or resources) read, in the order they were merged.
 * @property profiles the active profiles, in the order they were applied.
 */
public class SwitchboardConfig internal constructor(
    public val serviceCaller: ServiceCallerConfig,
    public val appRegistry: Map<String, ConfigSection>,
    public val sources: List<String>,
    public val profiles: List<String>,
) {
    /** A [ServiceManager] built from this configuration alone. */
    public fun newServiceManager(): ServiceManager = ServiceManager.builder().config(this).build()

    /**
     * Connects to the registry configured under `app-registry` (such as `app-registry.nacos`), through
     * the [RegistryProvider] of that name found on the classpath; null when none is configured. The
     * caller closes the connection. A `ServiceServer` hosting services from the same configuration
     * registers through [RegistryConnection.registry].
     *
     * @throws io.switchboard.ConfigurationException when several registries are configured, or no
     *   adapter on the classpath handles the configured one, or its section is wrong.
     */
    public fun connectRegistry(): RegistryConnection? = connectRegistry(null)

    /** [connectRegistry], with [snapshot] behind the discovery: then an unreachable registry does not fail the start. */
    internal fun connectRegistry(snapshot: InstanceSnapshot?): RegistryConnection? {
        if (appRegistry.isEmpty()) return null
        if (appRegistry.size > 1) {
            val second = appRegistry.values.elementAt(1)
            throw ConfigurationException(
                "${second.location}: app-registry: ${appRegistry.keys.joinToString(" and ")} are configured (expected: one registry)",
            )
        }
        val (name, section) = appRegistry.entries.first()
        val providers = RegistryProviders.all()
        val provider =
            providers[name] ?: throw ConfigurationException(
                "${section.location}: app-registry.$name is configured but no registry adapter named '$name' is on the classpath " +
                    "(adapters found: ${providers.keys.ifEmpty { setOf("none") }.joinToString(", ")}; for Nacos add " +
                    "io.switchboard:sdk-registry, or remove app-registry.$name to use the embedded registry)",
            )
        return if (snapshot == null) provider.connect(section) else SnapshotConnection.open(provider, section, snapshot)
    }

    internal fun applyTo(builder: ServiceManagerBuilder) {
        val caller = serviceCaller
        builder
            .loadBalancer(caller.lbType)
            .connectTimeout(caller.connectionTimeout)
            .readTimeout(caller.readTimeout)
            .keepAlive(caller.keepAlive)
            .connectionPoolSize(caller.connectionPoolSize)
            .engine(caller.engine)
        caller.requestTimeout?.let(builder::requestTimeout)
        caller.retry?.let(builder::retry)
        caller.outlierDetection?.let(builder::outlierDetection)
        caller.instanceSnapshot?.let(builder::instanceSnapshot)
        caller.tls?.let(builder::tls)
        caller.interceptors.logging?.let { builder.addInterceptor(LoggingInterceptor(it.logRequest, it.logResponse, it.level)) }
        caller.interceptors.auth?.let { builder.addInterceptor(AuthInterceptor(it.token, it.headerName, it.prefix)) }
        if (caller.interceptors.metrics) builder.addInterceptor(MetricsInterceptor())
        caller.interceptors.signing?.let { builder.addInterceptor(SigningInterceptor(it.keyId, it.secret)) }
        caller.extensions.forEach { (name, section) -> ExtensionProviders.all()[name]?.let { builder.addExtension(it.create(section)) } }
        caller.services.forEach { (name, service) ->
            val settings = ServiceSettings.builder()
            service.lbType?.let(settings::loadBalancer)
            service.connectionTimeout?.let(settings::connectTimeout)
            service.readTimeout?.let(settings::readTimeout)
            service.requestTimeout?.let(settings::requestTimeout)
            // the keys the service's section leaves out follow the manager's policy, whatever sets it (YAML or the builder)
            settings.retryOverrides = service.retryOverrides
            service.idempotent?.let(settings::idempotent)
            service.outlierDetection?.let(settings::outlierDetection)
            service.tls?.let(settings::tls)
            service.interceptors?.let { own ->
                own.logging?.let { settings.addInterceptor(LoggingInterceptor(it.logRequest, it.logResponse, it.level)) }
                own.auth?.let { settings.addInterceptor(AuthInterceptor(it.token, it.headerName, it.prefix)) }
                own.signing?.let { settings.addInterceptor(SigningInterceptor(it.keyId, it.secret)) }
            }
            builder.service(name, settings.build())
            if (service.instances.isNotEmpty()) builder.staticInstances(name, service.instances)
        }
        builder.registryConfig = this
    }

    override fun toString(): String =
        "SwitchboardConfig(sources=$sources, profiles=$profiles, serviceCaller=$serviceCaller, appRegistry=$appRegistry)"

    /** Loading shortcuts. */
    public companion object {
        /** Loads `application.yaml` and the active profiles' files from [directory] (see [ConfigLoader]). */
        @JvmStatic
        public fun load(
            directory: Path,
            vararg profiles: String,
        ): SwitchboardConfig = ConfigLoader().load(directory, *profiles)

        /** Loads `application.yaml` and the active profiles' files from the classpath (see [ConfigLoader]). */
        @JvmStatic
        public fun loadFromClasspath(vararg profiles: String): SwitchboardConfig = ConfigLoader().loadFromClasspath(*profiles)
    }
}

/**
 * The `service-caller` section.
 *
 * @property lbType the default strategy (`lb-type`); `least_requests` when not set.
 * @property connectionTimeout `connection-timeout`.
 * @property readTimeout `read-timeout`.
 * @property requestTimeout `request-timeout`, or null for none.
 * @property connectionPoolSize `connection-pool-size`.
 * @property keepAlive `keep-alive`: how long idle connections are kept.
 * @property engine `engine`: `netty` (the default), `okhttp` or `cio`.
 * @property interceptors `interceptors`: which built-in interceptors are on.
 * @property services `services`: per-service settings and static instances.
 * @property retry `retry`: when failed attempts are tried again elsewhere; null for [RetryPolicy.DEFAULT].
 * @property outlierDetection `outlier-detection`: when failing instances are ejected; null for [OutlierDetection.DEFAULT].
 * @property instanceSnapshot `instance-snapshot`: where the last good instance lists are kept on disk; null for none.
 * @property tls `tls`: how secure instances are called (trust, client certificate, hostname verification); null for
 *   the JVM's trusted authorities.
 */
public class ServiceCallerConfig
    internal constructor(
        public val lbType: String = "least_requests",
        public val connectionTimeout: Duration = Duration.ofSeconds(6),
        public val readTimeout: Duration = Duration.ofSeconds(30),
        public val requestTimeout: Duration? = null,
        public val connectionPoolSize: Int = 100,
        public val keepAlive: Duration = Duration.ofMinutes(5),
        public val engine: HttpEngine = HttpEngine.NETTY,
        public val interceptors: InterceptorsConfig = InterceptorsConfig(),
        public val services: Map<String, ServiceConfig> = emptyMap(),
        public val retry: RetryPolicy? = null,
        public val outlierDetection: OutlierDetection? = null,
        public val instanceSnapshot: InstanceSnapshot? = null,
        public val tls: io.switchboard.tls.ClientTls? = null,
        /** The sections of extensions (`observability`), by name, made into extensions when a manager is built. */
        internal val extensions: Map<String, ConfigSection> = emptyMap(),
    ) {
        override fun toString(): String =
            "ServiceCallerConfig(lbType=$lbType, connectionTimeout=$connectionTimeout, readTimeout=$readTimeout, " +
                "requestTimeout=$requestTimeout, connectionPoolSize=$connectionPoolSize, keepAlive=$keepAlive, engine=$engine, " +
                "interceptors=$interceptors, services=$services)"
    }

/**
 * `service-caller.interceptors`: the built-in interceptors to install.
 *
 * @property logging the logging interceptor's settings, or null when off.
 * @property auth the auth interceptor's settings, or null when off.
 * @property metrics whether the metrics interceptor is on.
 * @property signing the signing interceptor's key, or null when off.
 */
public class InterceptorsConfig
    internal constructor(
        public val logging: LoggingConfig? = null,
        public val auth: AuthConfig? = null,
        public val metrics: Boolean = false,
        public val signing: SigningConfig? = null,
    ) {
        override fun toString(): String = "InterceptorsConfig(logging=$logging, auth=$auth, metrics=$metrics, signing=$signing)"
    }

/**
 * `service-caller.interceptors.signing`: the key calls are signed with (see `SigningInterceptor`). The secret
 * never appears in [toString].
 *
 * @property keyId `key-id`: the name the server knows the key by.
 * @property secret `secret`: the shared secret, at least 32 bytes.
 */
public class SigningConfig
    internal constructor(
        public val keyId: String,
        public val secret: String,
    ) {
        override fun toString(): String = "SigningConfig(keyId=$keyId, secret=***)"
    }

/**
 * `service-caller.interceptors.logging`.
 *
 * @property level the level of request and response lines.
 * @property logRequest `log-request`.
 * @property logResponse `log-response`.
 */
public class LoggingConfig
    internal constructor(
        public val level: Level = Level.INFO,
        public val logRequest: Boolean = true,
        public val logResponse: Boolean = true,
    ) {
        override fun toString(): String = "LoggingConfig(level=$level, logRequest=$logRequest, logResponse=$logResponse)"
    }

/**
 * `service-caller.interceptors.auth`. The token never appears in [toString].
 *
 * @property token the token.
 * @property headerName `header-name`.
 * @property prefix `prefix`, put before the token.
 */
public class AuthConfig
    internal constructor(
        public val token: String,
        public val headerName: String = "Authorization",
        public val prefix: String = "Bearer ",
    ) {
        override fun toString(): String = "AuthConfig(headerName=$headerName, prefix='$prefix', token=***)"
    }

/**
 * `service-caller.services.<name>`: settings of one service, replacing the manager's.
 *
 * @property lbType the service's strategy, or null for the default.
 * @property connectionTimeout the service's connect timeout, or null.
 * @property readTimeout the service's read timeout, or null.
 * @property requestTimeout the service's request timeout, or null.
 * @property instances static instances for the embedded registry.
 * @property retry the service's retry policy, or null for the manager's. The keys its `retry` section leaves
 *   out come from the manager's policy: here from `service-caller.retry` (else [RetryPolicy.DEFAULT]); in a
 *   manager, from the policy the manager ends up with (a builder's `retry(…)` after `config(…)` included).
 * @property idempotent `idempotent`: whether every call of the service may be repeated safely (a service whose
 *   POSTs are idempotent), so its failed attempts are retried like a GET's; null to go by each call's method.
 * @property outlierDetection the service's outlier ejection, or null for the manager's.
 * @property tls the service's `tls` section, or null for the manager's.
 * @property interceptors the service's own `interceptors` section (`auth`, `signing`, `logging`), which run for its
 *   calls only, besides the manager's; null for none.
 */
public class ServiceConfig
    internal constructor(
        public val lbType: String? = null,
        public val connectionTimeout: Duration? = null,
        public val readTimeout: Duration? = null,
        public val requestTimeout: Duration? = null,
        public val instances: List<ServiceInstance> = emptyList(),
        public val retry: RetryPolicy? = null,
        public val idempotent: Boolean? = null,
        internal val retryOverrides: RetryOverrides? = null,
        public val outlierDetection: OutlierDetection? = null,
        public val tls: io.switchboard.tls.ClientTls? = null,
        public val interceptors: InterceptorsConfig? = null,
    ) {
        override fun toString(): String =
            "ServiceConfig(lbType=$lbType, connectionTimeout=$connectionTimeout, readTimeout=$readTimeout, " +
                "requestTimeout=$requestTimeout, instances=$instances, retry=$retry, idempotent=$idempotent)"
    }
