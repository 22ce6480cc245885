package io.switchboard

import io.switchboard.balancer.LoadBalancers
import io.switchboard.spi.LoadBalancerFactory
import java.time.Duration
import kotlin.time.toJavaDuration

/**
 * Settings of one service that replace the manager's: its load balancer and its timeouts.
 *
 * Unset values (null) fall back to the manager's. A per-call timeout still wins over [requestTimeout].
 *
 * @property loadBalancer the service's strategy.
 * @property connectTimeout how long establishing a connection to the service may take.
 * @property readTimeout how long a connection to the service may stay silent.
 * @property requestTimeout how long a whole call to the service may take.
 * @property retry when the service's failed attempts are tried again elsewhere.
 * @property outlierDetection when the service's failing instances are taken out of rotation.
 */
public class ServiceSettings private constructor(
    builder: Builder,
) {
    public val loadBalancer: LoadBalancerFactory? = builder.loadBalancer
    public val connectTimeout: Duration? = builder.connectTimeout
    public val readTimeout: Duration? = builder.readTimeout
    public val requestTimeout: Duration? = builder.requestTimeout
    public val retry: RetryPolicy? = builder.retry
    public val outlierDetection: OutlierDetection? = builder.outlierDetection

    /** A builder starting from these settings. */
    public fun newBuilder(): Builder = Builder(this)

    override fun toString(): String =
        "ServiceSettings(connectTimeout=$connectTimeout, readTimeout=$readTimeout, requestTimeout=$requestTimeout)"

    /** Builds [ServiceSettings]; every setter checks its value. */
    public class Builder internal constructor(
        from: ServiceSettings?,
    ) {
        internal var loadBalancer: LoadBalancerFactory? = from?.loadBalancer
        internal var connectTimeout: Duration? = from?.connectTimeout
        internal var readTimeout: Duration? = from?.readTimeout
        internal var requestTimeout: Duration? = from?.requestTimeout
        internal var retry: RetryPolicy? = from?.retry
        internal var outlierDetection: OutlierDetection? = from?.outlierDetection

        /** The outlier ejection of this service. */
        public fun outlierDetection(policy: OutlierDetection): Builder = apply { outlierDetection = policy }

        /** The retry policy of this service. */
        public fun retry(policy: RetryPolicy): Builder = apply { retry = policy }

        /** The strategy, by name: one of [LoadBalancers.names]. */
        public fun loadBalancer(name: String): Builder = apply { loadBalancer = LoadBalancers.factory(name) }

        /** A custom strategy. */
        public fun loadBalancer(factory: LoadBalancerFactory): Builder = apply { loadBalancer = factory }

        /** The connect timeout of this service. */
        public fun connectTimeout(timeout: Duration): Builder = apply { connectTimeout = positive("connectTimeout", timeout) }

        /** The read timeout of this service. */
        public fun readTimeout(timeout: Duration): Builder = apply { readTimeout = positive("readTimeout", timeout) }

        /** The request timeout of this service. */
        public fun requestTimeout(timeout: Duration): Builder = apply { requestTimeout = positive("requestTimeout", timeout) }

        /** [connectTimeout] for Kotlin callers. */
        @JvmSynthetic
        public fun connectTimeout(timeout: kotlin.time.Duration): Builder = connectTimeout(timeout.toJavaDuration())

        /** [readTimeout] for Kotlin callers. */
        @JvmSynthetic
        public fun readTimeout(timeout: kotlin.time.Duration): Builder = readTimeout(timeout.toJavaDuration())

        /** [requestTimeout] for Kotlin callers. */
        @JvmSynthetic
        public fun requestTimeout(timeout: kotlin.time.Duration): Builder = requestTimeout(timeout.toJavaDuration())

        /** The settings. */
        public fun build(): ServiceSettings = ServiceSettings(this)
    }

    /** Factories. */
    public companion object {
        /** Nothing set: everything comes from the manager. */
        @JvmField
        public val NONE: ServiceSettings = Builder(null).build()

        /** A new, empty builder. */
        @JvmStatic
        public fun builder(): Builder = Builder(null)

        internal fun positive(
            name: String,
            value: Duration,
        ): Duration {
            if (value.isNegative || value.isZero) throw ConfigurationException("$name: $value (expected: > 0)")
            return value
        }
    }
}
