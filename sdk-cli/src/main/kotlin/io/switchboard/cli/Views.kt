package io.switchboard.cli

import io.switchboard.Attempt
import io.switchboard.InstanceState
import io.switchboard.Secrets
import io.switchboard.ServiceInstance
import kotlinx.serialization.Serializable
import kotlinx.serialization.json.JsonElement

/** One instance as `--json` prints it; metadata named like a secret is `***`. */
@Serializable
data class InstanceView(
    val address: String,
    val host: String,
    val port: Int,
    val instanceId: String,
    val weight: Double,
    val healthy: Boolean,
    val cluster: String,
    val secure: Boolean,
    val metadata: Map<String, String>,
    val ejected: Boolean = false,
    val ejectedUntil: String? = null,
) {
    companion object {
        /** The view of [instance], with what the session's manager knows of it ([state]). */
        fun of(
            instance: ServiceInstance,
            state: InstanceState? = null,
        ): InstanceView =
            InstanceView(
                instance.address,
                instance.host,
                instance.port,
                instance.instanceId,
                instance.weight,
                instance.healthy,
                instance.cluster,
                instance.secure,
                Secrets.masked(instance.metadata).mapValues { it.value.toString() },
                state?.ejected == true,
                state?.ejectedUntil?.toString(),
            )
    }
}

/** One service of `list --json`: where its list comes from, how old it is, its instances. */
@Serializable
data class ServiceView(
    val name: String,
    val source: String,
    val ageMillis: Long?,
    val instances: List<InstanceView>,
)

/** `list --json`. */
@Serializable
data class ListView(
    val registry: String,
    val services: List<ServiceView>,
)

/** One attempt of a call: where it went, what came of it, how long it took. */
@Serializable
data class AttemptView(
    val instance: String,
    val outcome: String,
    val status: Int?,
    val durationMillis: Long,
) {
    companion object {
        /** The view of [attempt]. */
        fun of(attempt: Attempt): AttemptView =
            AttemptView(attempt.instance.address, attempt.outcome, attempt.status, attempt.duration.toMillis())
    }
}

/** `call --json` and `invoke --json`: the answer, where it came from, and every attempt. */
@Serializable
data class CallView(
    val service: String,
    val method: String,
    val path: String,
    val status: Int,
    val instance: String,
    val durationMillis: Long?,
    val headersMillis: Long?,
    val attempts: List<AttemptView>,
    val headers: Map<String, String>,
    val body: JsonElement?,
)

/** A failed call in `--json`: what went wrong, and the attempts made. */
@Serializable
data class FailureView(
    val error: String,
    val attempts: List<AttemptView>,
)

/** One instance's `/health` in `health --json`. */
@Serializable
data class HealthView(
    val instance: String,
    val registryHealthy: Boolean,
    val status: String,
    val httpStatus: Int?,
    val millis: Long,
    val checks: Map<String, String>,
    val error: String? = null,
)

/** `health --json`. */
@Serializable
data class HealthReport(
    val service: String,
    val instances: List<HealthView>,
)

/** One line of `watch --json`: the list after a change, and what changed. */
@Serializable
data class WatchEvent(
    val time: String,
    val service: String,
    val initial: Boolean,
    val added: List<String>,
    val removed: List<String>,
    val changed: List<String>,
    val instances: List<InstanceView>,
)
