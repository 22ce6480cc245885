package io.switchboard.spi

import io.switchboard.ServiceInstance
import kotlinx.coroutines.future.asDeferred
import java.util.concurrent.CompletionStage

/**
 * A [ServiceDiscovery] for Java: implement [instancesAsync] with a `CompletionStage` (a completed one
 * when the list is already in memory, which costs nothing), plus [subscribe]. The call path awaits it
 * without blocking a thread, and a cancelled call never cancels the stage (it may be shared).
 *
 * Return the same `List` object for as long as a service's instances do not change: balancers cache
 * per list object (a new list on every call would make `weight_round_robin` rebuild its schedule each time).
 */
public abstract class AsyncServiceDiscovery : ServiceDiscovery {
    /** The current instances of [serviceName], healthy or not; an empty list when none is known. */
    public abstract fun instancesAsync(serviceName: String): CompletionStage<List<ServiceInstance>>

    final override suspend fun instances(serviceName: String): List<ServiceInstance> = instancesAsync(serviceName).asDeferred().await()
}

/**
 * A [ServiceRegistry] for Java: implement [registerAsync] and [deregisterAsync] with `CompletionStage`s.
 * A manager or server bounds each of them by its registration timeout.
 */
public abstract class AsyncServiceRegistry : ServiceRegistry {
    /** Makes [instance] discoverable; registering the same instance id again replaces it. */
    public abstract fun registerAsync(instance: ServiceInstance): CompletionStage<Void?>

    /** Removes [instance] (matched by service name and instance id); unknown instances are ignored. */
    public abstract fun deregisterAsync(instance: ServiceInstance): CompletionStage<Void?>

    final override suspend fun register(instance: ServiceInstance) {
        registerAsync(instance).asDeferred().await()
    }

    final override suspend fun deregister(instance: ServiceInstance) {
        deregisterAsync(instance).asDeferred().await()
    }
}
