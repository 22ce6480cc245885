package io.switchboard

import io.switchboard.balancer.LoadBalancers
import io.switchboard.internal.RetryOverrides
import io.switchboard.spi.LoadBalancerFactory
import java.time.Duration
import kotlin.time.toJavaDuration

/**
 * Settings of one service that replace the manager's: its load balancer, its timeouts, its retry policy
 * and whether its calls may be repeated.
 *
 * Unset values (null) fall back to the manager's. A per-call timeout still wins over [requestTimeout];
 * a call's own retry policy and idempotency (`RequestOptions`), and a spec endpoint's or an interface
 * method's (`@Idempotent`, `@Retry`), win over [retry] and [idempotent].
 *
 * @property loadBalancer the service's strategy.
 * @property connectTimeout how long establishing a connection to the service may take.
 * @property readTimeout how long a connection to the service may stay silent.
 * @property requestTimeout how long a whole call to the service may take.
 * @property retry when the service's failed attempts are tried again elsewhere; null for the manager's policy.
 * @property idempotent whether every call of the service may be repeated safely (a service whose POSTs
 *   are idempotent): true retries them like GETs, false retries none once it may have reached the
 *   application; null goes by each call's HTTP method.
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
    public val idempotent: Boolean? = builder.idempotent

    /** A YAML `retry` section's keys, laid over the manager's policy when [retry] is not set. */
    internal val retryOverrides: RetryOverrides? = builder.retryOverrides

    public val outlierDetection: OutlierDetection? = builder.outlierDetection

    /** How this service is called over `https`, replacing the manager's [io.switchboard.tls.ClientTls]; null to follow it. */
    public val tls: io.switchboard.tls.ClientTls? = builder.tls

    /** Interceptors that run for this service's calls only (its own credentials, say), besides the manager's. */
    public val interceptors: List<io.switchboard.spi.Interceptor> = builder.interceptors.toList()

    /** A builder starting from these settings. */
    public fun newBuilder(): Builder = Builder(this)

    override fun toString(): String =
        "ServiceSettings(connectTimeout=$connectTimeout, readTimeout=$readTimeout, requestTimeout=$requestTimeout, " +
            "retry=${retry ?: retryOverrides}, idempotent=$idempotent)"

    /** Builds [ServiceSettings]; every setter checks its value. */
    public class Builder internal constructor(
        from: ServiceSettings?,
    ) {
        internal var loadBalancer: LoadBalancerFactory? = from?.loadBalancer
        internal var connectTimeout: Duration? = from?.connectTimeout
        internal var readTimeout: Duration? = from?.readTimeout
        internal var requestTimeout: Duration? = from?.requestTimeout
        internal var retry: RetryPolicy? = from?.retry
        internal var idempotent: Boolean? = from?.idempotent
        internal var retryOverrides: RetryOverrides? = from?.retryOverrides
        internal var outlierDetection: OutlierDetection? = from?.outlierDetection
        internal var tls: io.switchboard.tls.ClientTls? = from?.tls
        internal val interceptors: MutableList<io.switchboard.spi.Interceptor> = from?.interceptors.orEmpty().toMutableList()

        /**
         * Adds an interceptor that runs for this service's calls only: an `AuthInterceptor` or a `SigningInterceptor`
         * with this service's credentials, say. For this service's calls it takes the place of the manager's
         * interceptor of the same name, and a credential of either kind takes the place of the manager's credentials
         * of both kinds. One of the same name replaces the earlier.
         */
        public fun addInterceptor(interceptor: io.switchboard.spi.Interceptor): Builder =
            apply {
                interceptors.removeAll { it.name == interceptor.name }
                interceptors += interceptor
            }

        /** Adds a Java interceptor for this service's calls only. */
        public fun addInterceptor(interceptor: io.switchboard.spi.JavaInterceptor): Builder = addInterceptor(interceptor.asInterceptor())

        /**
         * How this service's secure instances are called (trust, client certificate, hostname verification), in
         * place of the manager's. Needs the default Netty engine.
         */
        public fun tls(tls: io.switchboard.tls.ClientTls): Builder = apply { this.tls = tls }

        /** The outlier ejection of this service. */
        public fun outlierDetection(policy: OutlierDetection): Builder = apply { outlierDetection = policy }

        /** The retry policy of this service, replacing the manager's (and a YAML `retry` section of the service). */
        public fun retry(policy: RetryPolicy): Builder = apply { retry = policy }

        /**
         * Whether every call of this service may be repeated safely: true for a service whose POSTs are
         * idempotent (its failed attempts are then retried like a GET's); false to retry none of its calls once
         * they may have reached the application. Unset, each call goes by its HTTP method.
         */
        public fun idempotent(idempotent: Boolean): Builder = apply { this.idempotent = idempotent }

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
