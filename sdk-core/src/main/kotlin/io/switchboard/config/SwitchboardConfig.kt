package io.switchboard.config

import io.switchboard.HttpEngine
import io.switchboard.ServiceInstance
import io.switchboard.ServiceManager
import io.switchboard.ServiceManagerBuilder
import io.switchboard.ServiceSettings
import io.switchboard.interceptor.AuthInterceptor
import io.switchboard.interceptor.LoggingInterceptor
import io.switchboard.interceptor.MetricsInterceptor
import org.slf4j.event.Level
import java.nio.file.Path
import java.time.Duration

/**
 * Switchboard's settings as loaded from `application.yaml` (and its profile files): the
 * `service-caller` section and the `app-registry` section. Other top-level keys belong to the
 * application and are left alone.
 *
 * @property serviceCaller how calls are made.
 * @property appRegistry where the application registers itself and discovers others, if configured.
 * @property sources the files (or resources) read, in the order they were merged.
 * @property profiles the active profiles, in the order they were applied.
 */
public class SwitchboardConfig internal constructor(
    public val serviceCaller: ServiceCallerConfig,
    public val appRegistry: AppRegistryConfig?,
    public val sources: List<String>,
    public val profiles: List<String>,
) {
    /** A [ServiceManager] built from this configuration alone. */
    public fun newServiceManager(): ServiceManager = ServiceManager.builder().config(this).build()

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
        caller.interceptors.logging?.let { builder.addInterceptor(LoggingInterceptor(it.logRequest, it.logResponse, it.level)) }
        caller.interceptors.auth?.let { builder.addInterceptor(AuthInterceptor(it.token, it.headerName, it.prefix)) }
        if (caller.interceptors.metrics) builder.addInterceptor(MetricsInterceptor())
        caller.services.forEach { (name, service) ->
            val settings = ServiceSettings.builder()
            service.lbType?.let(settings::loadBalancer)
            service.connectionTimeout?.let(settings::connectTimeout)
            service.readTimeout?.let(settings::readTimeout)
            service.requestTimeout?.let(settings::requestTimeout)
            builder.service(name, settings.build())
            if (service.instances.isNotEmpty()) builder.staticInstances(name, service.instances)
        }
        builder.registryConfig = appRegistry
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
 * @property lbType the default strategy (`lb-type`).
 * @property connectionTimeout `connection-timeout`.
 * @property readTimeout `read-timeout`.
 * @property requestTimeout `request-timeout`, or null for none.
 * @property connectionPoolSize `connection-pool-size`.
 * @property keepAlive `keep-alive`: how long idle connections are kept.
 * @property engine `engine`: `okhttp` or `cio`.
 * @property interceptors `interceptors`: which built-in interceptors are on.
 * @property services `services`: per-service settings and static instances.
 */
public data class ServiceCallerConfig
    @JvmOverloads
    constructor(
        public val lbType: String = "round_robin",
        public val connectionTimeout: Duration = Duration.ofSeconds(6),
        public val readTimeout: Duration = Duration.ofSeconds(30),
        public val requestTimeout: Duration? = null,
        public val connectionPoolSize: Int = 100,
        public val keepAlive: Duration = Duration.ofMinutes(5),
        public val engine: HttpEngine = HttpEngine.OKHTTP,
        public val interceptors: InterceptorsConfig = InterceptorsConfig(),
        public val services: Map<String, ServiceConfig> = emptyMap(),
    )

/**
 * `service-caller.interceptors`: the built-in interceptors to install.
 *
 * @property logging the logging interceptor's settings, or null when off.
 * @property auth the auth interceptor's settings, or null when off.
 * @property metrics whether the metrics interceptor is on.
 */
public data class InterceptorsConfig
    @JvmOverloads
    constructor(
        public val logging: LoggingConfig? = null,
        public val auth: AuthConfig? = null,
        public val metrics: Boolean = false,
    )

/**
 * `service-caller.interceptors.logging`.
 *
 * @property level the level of request and response lines.
 * @property logRequest `log-request`.
 * @property logResponse `log-response`.
 */
public data class LoggingConfig
    @JvmOverloads
    constructor(
        public val level: Level = Level.INFO,
        public val logRequest: Boolean = true,
        public val logResponse: Boolean = true,
    )

/**
 * `service-caller.interceptors.auth`. The token never appears in [toString].
 *
 * @property token the token.
 * @property headerName `header-name`.
 * @property prefix `prefix`, put before the token.
 */
public class AuthConfig
    @JvmOverloads
    constructor(
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
 */
public data class ServiceConfig
    @JvmOverloads
    constructor(
        public val lbType: String? = null,
        public val connectionTimeout: Duration? = null,
        public val readTimeout: Duration? = null,
        public val requestTimeout: Duration? = null,
        public val instances: List<ServiceInstance> = emptyList(),
    )

/**
 * The `app-registry` section.
 *
 * @property nacos the Nacos settings, if configured.
 */
public data class AppRegistryConfig(
    public val nacos: NacosConfig?,
)

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
    }
