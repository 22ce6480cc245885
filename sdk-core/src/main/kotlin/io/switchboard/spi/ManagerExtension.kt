package io.switchboard.spi

import io.switchboard.ServiceManager
import kotlin.coroutines.CoroutineContext
import kotlin.coroutines.EmptyCoroutineContext

/**
 * Something that instruments a [ServiceManager] as a whole — metrics, tracing — rather than one call:
 * it adds its interceptors, listeners and gauges when the manager is built, and takes them away when the
 * manager closes. Added with `ServiceManagerBuilder.addExtension`, or from YAML through an
 * [ExtensionProvider].
 *
 * Java implements it as it is (no method suspends).
 */
public interface ManagerExtension {
    /** The extension's name; a second one with the same name is ignored. */
    public val name: String

    /**
     * Installs into [manager], once, at the end of its construction and before any call. The returned
     * [AutoCloseable] is closed when the manager closes (unregistering gauges, say).
     */
    public fun install(manager: ServiceManager): AutoCloseable

    /**
     * What of the calling thread a call started from blocking code should carry into the coroutine that
     * runs it: called on the caller's thread when a Java future (`manager.async()`, a proxy's future
     * method) starts a call. A tracing extension returns the thread's current trace context here, so a
     * Java implementation's own calls join its trace. The default carries nothing.
     */
    public fun callerContext(): CoroutineContext = EmptyCoroutineContext
}
