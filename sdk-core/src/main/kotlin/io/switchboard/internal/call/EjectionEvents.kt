package io.switchboard.internal.call

import io.switchboard.ServiceInstance
import io.switchboard.spi.InstanceEventListener
import org.slf4j.LoggerFactory
import java.time.Duration

/**
 * The log lines of one service's ejections, on the logger `io.switchboard.ejection`: WARN when an instance is
 * ejected, INFO when it returns or stays in rotation for want of room.
 */
internal class EjectionEvents(
    private val serviceName: String,
    /** The manager's listeners, read at each event. */
    private val listeners: () -> List<InstanceEventListener> = { emptyList() },
) {
    fun ejected(
        instance: ServiceInstance,
        lengthNanos: Long,
        inARow: Int,
        why: String,
        ejectedNow: Int,
        eligible: Int,
    ) {
        log.warn(
            "Ejected {} instance {} for {} after {} failure(s) in a row ({}); {} of {} eligible instances of {} ejected now",
            serviceName,
            instance.address,
            readable(lengthNanos),
            inARow,
            why,
            ejectedNow,
            eligible,
            serviceName,
        )
        tell { it.ejected(serviceName, instance, Duration.ofNanos(lengthNanos), why, again = false) }
    }

    fun ejectedAgain(
        instance: ServiceInstance,
        lengthNanos: Long,
        why: String,
    ) {
        log.warn(
            "Ejected {} instance {} again for {}: its probe call failed ({})",
            serviceName,
            instance.address,
            readable(lengthNanos),
            why,
        )
        tell { it.ejected(serviceName, instance, Duration.ofNanos(lengthNanos), why, again = true) }
    }

    fun returned(
        instance: ServiceInstance,
        timesEjected: Int,
    ) {
        log.info(
            "{} instance {} is back in rotation: its probe call succeeded (ejected {} time(s) recently)",
            serviceName,
            instance.address,
            timesEjected,
        )
        tell { it.returned(serviceName, instance) }
    }

    private inline fun tell(event: (InstanceEventListener) -> Unit) {
        for (listener in listeners()) {
            try {
                event(listener)
            } catch (e: Exception) {
                log.warn("Instance listener {} failed: {}", listener.javaClass.name, e.toString())
            }
        }
    }

    fun kept(
        instance: ServiceInstance,
        inARow: Int,
        why: String,
        ejected: Int,
        eligible: Int,
        maxShare: Double,
    ) {
        log.info(
            "{} instance {} failed {} time(s) in a row ({}) but stays in rotation: {} of {} eligible instances " +
                "are ejected already, the most allowed (maxEjectedShare {})",
            serviceName,
            instance.address,
            inARow,
            why,
            ejected,
            eligible,
            maxShare,
        )
    }

    fun probeReady(instanceId: String) {
        log.debug("Ejection of {} instance {} is over: its next call is a probe", serviceName, instanceId)
    }

    companion object {
        /** A logger of its own name, for users to route or silence. */
        private val log = LoggerFactory.getLogger("io.switchboard.ejection")

        /** What made an attempt fail, in a few words: `HTTP 500`, `ConnectException: Connection refused`. */
        fun describe(
            status: Int?,
            failure: Throwable?,
        ): String =
            when {
                status != null && status >= 500 -> "HTTP $status"
                failure != null -> failure.javaClass.simpleName + (failure.message?.let { ": $it" } ?: "")
                else -> "HTTP $status"
            }

        /** `30 s`, `1.5 s`, `300 ms`. */
        private fun readable(nanos: Long): String {
            val millis = nanos / 1_000_000
            return when {
                millis < 1_000 -> "$millis ms"
                millis % 1_000 == 0L -> "${millis / 1_000} s"
                else -> "${millis / 1_000.0} s"
            }
        }
    }
}
