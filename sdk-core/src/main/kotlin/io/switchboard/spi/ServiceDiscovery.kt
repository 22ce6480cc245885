package io.switchboard.spi

import io.switchboard.ServiceInstance

/**
 * Gives the instances of a service and tells when they change.
 *
 * Implementations keep a local view fresh (by push where the registry supports it), so that
 * [instances] is cheap on the hot path: it is called once per request.
 */
public interface ServiceDiscovery : AutoCloseable {
    /** The current instances of [serviceName], healthy or not; empty when none is known. */
    public suspend fun instances(serviceName: String): List<ServiceInstance>

    /**
     * Calls [listener] with the new instance list each time the instances of [serviceName] change.
     * Closing the returned handle stops the notifications.
     */
    public fun subscribe(
        serviceName: String,
        listener: InstanceListener,
    ): AutoCloseable

    /** Names of the services this discovery knows, used to suggest a name when a call names an unknown one. */
    public fun knownServices(): Set<String> = emptySet()

    /**
     * Every service the registry holds now, asked of the registry itself (a round trip, where [knownServices] answers
     * from memory): for tools that show what a registry holds, such as the `switchboard` command line, never for the
     * call path. The default is [knownServices].
     */
    public suspend fun listServices(): Set<String> = knownServices()

    /**
     * Whether the registry behind this discovery answers now; true by default (a discovery with nothing remote).
     * While false, the lists served are the last good ones, and an instance snapshot does not count them as
     * confirmed.
     */
    public val isConnected: Boolean get() = true

    /** A short description for error messages, such as `embedded registry` or `nacos 127.0.0.1:8848`. */
    public val description: String get() = javaClass.simpleName

    /** Releases what the discovery holds; the default does nothing. */
    override fun close() {}
}

/** Receives the new instance list of a service after each change. */
public fun interface InstanceListener {
    /** Called with the full, new list of [serviceName]'s instances. */
    public fun onChange(
        serviceName: String,
        instances: List<ServiceInstance>,
    )
}
