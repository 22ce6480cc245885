package io.switchboard.spi

import io.switchboard.ServiceInstance
import java.time.Duration

/**
 * Told when a manager's outlier detection takes an instance out of rotation or lets it back in (see
 * `OutlierDetection`). Called on the thread of the attempt that decided it: return quickly. Added with
 * `ServiceManagerBuilder.addInstanceListener` or `ServiceManager.addInstanceListener`; Java implements
 * the methods it needs.
 */
public interface InstanceEventListener {
    /**
     * [instance] of [serviceName] is ejected for [duration] after its calls failed ([reason]: `HTTP 503`,
     * `ConnectException: Connection refused`); [again] when its probe call failed.
     */
    public fun ejected(
        serviceName: String,
        instance: ServiceInstance,
        duration: Duration,
        reason: String,
        again: Boolean,
    ) {}

    /** [instance] of [serviceName] is back in rotation: its probe call succeeded. */
    public fun returned(
        serviceName: String,
        instance: ServiceInstance,
    ) {}
}
