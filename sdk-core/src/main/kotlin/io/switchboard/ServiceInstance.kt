package io.switchboard

/**
 * One running copy of a service that calls can be sent to.
 *
 * @property serviceName the name callers use to reach the service.
 * @property host host name or IP address the instance listens on.
 * @property port TCP port the instance listens on (1..65535).
 * @property instanceId identity of the instance within its service; `host:port` by default.
 * @property secure whether the instance is reached over HTTPS.
 * @property weight relative share of traffic for the weighted strategies; 0 takes the instance out of rotation.
 * @property healthy whether the registry considers the instance healthy; unhealthy instances are never chosen.
 * @property cluster the cluster (zone, data centre) the instance belongs to.
 * @property metadata free-form key/value pairs advertised by the instance.
 */
public class ServiceInstance
    @JvmOverloads
    constructor(
        public val serviceName: String,
        public val host: String,
        public val port: Int,
        public val instanceId: String = "$host:$port",
        public val secure: Boolean = false,
        public val weight: Double = 1.0,
        public val healthy: Boolean = true,
        public val cluster: String = DEFAULT_CLUSTER,
        public val metadata: Map<String, String> = emptyMap(),
    ) {
        init {
            require(serviceName.isNotBlank()) { "serviceName: '$serviceName' (expected: a non-blank name)" }
            require(host.isNotBlank()) { "host of $serviceName: '$host' (expected: a host name or IP address)" }
            require(port in 1..65535) { "port of $serviceName at $host: $port (expected: 1..65535)" }
            require(
                weight >= 0.0 && weight.isFinite(),
            ) { "weight of $serviceName at $host:$port: $weight (expected: a finite number >= 0)" }
        }

        /** `http` or `https`, from [secure]. */
        public val scheme: String get() = if (secure) "https" else "http"

        /** `host:port`, with IPv6 hosts in brackets. */
        public val address: String = "${bracketed(host)}:$port"

        /** The base URL calls to this instance start with, e.g. `http://127.0.0.1:8080`. */
        public val baseUrl: String = "$scheme://$address"

        /** Whether a load balancer may choose this instance: healthy and with a weight above zero. */
        public val isEligible: Boolean get() = healthy && weight > 0.0

        /** Returns a copy with another [weight]. */
        public fun withWeight(weight: Double): ServiceInstance = copy(weight = weight)

        /** Returns a copy with another [healthy] flag. */
        public fun withHealthy(healthy: Boolean): ServiceInstance = copy(healthy = healthy)

        /** Returns a copy under another [serviceName]. */
        public fun withServiceName(serviceName: String): ServiceInstance = copy(serviceName = serviceName)

        /** Returns a copy with another [instanceId]. */
        public fun withInstanceId(instanceId: String): ServiceInstance = copy(instanceId = instanceId)

        /** Returns a copy with other [metadata]. */
        public fun withMetadata(metadata: Map<String, String>): ServiceInstance = copy(metadata = metadata)

        private fun copy(
            serviceName: String = this.serviceName,
            instanceId: String = this.instanceId,
            weight: Double = this.weight,
            healthy: Boolean = this.healthy,
            metadata: Map<String, String> = this.metadata,
        ): ServiceInstance = ServiceInstance(serviceName, host, port, instanceId, secure, weight, healthy, cluster, metadata)

        /** Equal when every property is. */
        override fun equals(other: Any?): Boolean =
            this === other ||
                (
                    other is ServiceInstance &&
                        serviceName == other.serviceName &&
                        host == other.host &&
                        port == other.port &&
                        instanceId == other.instanceId &&
                        secure == other.secure &&
                        weight.compareTo(other.weight) == 0 &&
                        healthy == other.healthy &&
                        cluster == other.cluster &&
                        metadata == other.metadata
                )

        override fun hashCode(): Int {
            var result = serviceName.hashCode()
            result = 31 * result + host.hashCode()
            result = 31 * result + port
            result = 31 * result + instanceId.hashCode()
            result = 31 * result + weight.hashCode()
            result = 31 * result + healthy.hashCode()
            return result
        }

        override fun toString(): String = "$serviceName@$address(weight=$weight${if (healthy) "" else ", unhealthy"})"

        /** Constants. */
        public companion object {
            /** The cluster an instance belongs to when none is given. */
            public const val DEFAULT_CLUSTER: String = "DEFAULT"

            private fun bracketed(host: String): String = if (host.contains(':') && !host.startsWith("[")) "[$host]" else host
        }
    }
