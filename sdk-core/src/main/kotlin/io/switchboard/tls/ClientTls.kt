package io.switchboard.tls

import io.netty.handler.ssl.SslContext
import io.netty.handler.ssl.SslContextBuilder
import io.switchboard.ConfigurationException
import java.security.KeyStore
import javax.net.ssl.KeyManagerFactory
import javax.net.ssl.SSLContext
import javax.net.ssl.TrustManagerFactory
import javax.net.ssl.X509TrustManager

/**
 * How a caller speaks TLS to the instances it calls over `https` (those the registry marks secure): whose
 * certificates it trusts ([trust]; the JVM's authorities by default), the certificate it presents when a server asks
 * for one ([identity], for mutual TLS), and whether the server's certificate must name the host called
 * ([hostnameVerification], on by default). Set for every service on the manager, or for one in its settings.
 *
 * Built eagerly: a key that does not fit its certificate fails here, not on the first call.
 *
 * @property trust what the server's certificate must chain to.
 * @property identity the client certificate and key, or null to present none.
 * @property hostnameVerification whether the server's certificate must name the host (or address) called.
 */
public class ClientTls private constructor(
    builder: Builder,
) {
    public val trust: TrustMaterial = builder.trust
    public val identity: KeyMaterial? = builder.identity
    public val hostnameVerification: Boolean = builder.hostnameVerification

    /** The Netty context of the default engine; made when first needed (the defaults cost nothing until a call uses https). */
    internal val nettyContext: SslContext by lazy {
        build("TLS client") {
            SslContextBuilder
                .forClient()
                .apply {
                    trust.certificates?.let { trustManager(*it.toTypedArray()) }
                    identity?.let { keyManager(it.privateKey, *it.certificateChain.toTypedArray()) }
                    endpointIdentificationAlgorithm(if (hostnameVerification) "HTTPS" else null)
                }.build()
        }
    }

    init {
        // key material given: a key that does not fit fails here, at configuration
        if (trust.certificates != null || identity != null) nettyContext
    }

    /** A JDK context and its trust manager, for the OkHttp engine. */
    internal val jdkContext: Pair<SSLContext, X509TrustManager> by lazy {
        build("TLS client") {
            val trustStore =
                trust.certificates?.let { certificates ->
                    KeyStore.getInstance(KeyStore.getDefaultType()).apply {
                        load(null, null)
                        certificates.forEachIndexed { i, c -> setCertificateEntry("trusted-$i", c) }
                    }
                }
            val trustManagers =
                TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm()).apply { init(trustStore) }.trustManagers
            val keyManagers =
                identity?.let { id ->
                    val password = CharArray(0)
                    val store =
                        KeyStore.getInstance(KeyStore.getDefaultType()).apply {
                            load(null, null)
                            setKeyEntry("identity", id.privateKey, password, id.certificateChain.toTypedArray())
                        }
                    KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm()).apply { init(store, password) }.keyManagers
                }
            val context = SSLContext.getInstance("TLS").apply { init(keyManagers, trustManagers, null) }
            context to trustManagers.filterIsInstance<X509TrustManager>().first()
        }
    }

    /** A builder starting from these settings. */
    public fun newBuilder(): Builder = Builder(this)

    override fun toString(): String = "ClientTls(trust=$trust, identity=$identity, hostnameVerification=$hostnameVerification)"

    /** Builds a [ClientTls]. */
    public class Builder internal constructor(
        from: ClientTls?,
    ) {
        internal var trust: TrustMaterial = from?.trust ?: TrustMaterial.system()
        internal var identity: KeyMaterial? = from?.identity
        internal var hostnameVerification: Boolean = from?.hostnameVerification ?: true

        /** What the server's certificate must chain to; the JVM's authorities by default. */
        public fun trust(trust: TrustMaterial): Builder = apply { this.trust = trust }

        /** The certificate and key presented when a server asks for one (mutual TLS); none by default. */
        public fun identity(identity: KeyMaterial): Builder = apply { this.identity = identity }

        /**
         * Whether the server's certificate must name the host or address called; on by default. Turning it off
         * accepts any certificate the trust material vouches for, from any host: only for a private CA whose
         * certificates name no hosts.
         */
        public fun hostnameVerification(verify: Boolean): Builder = apply { hostnameVerification = verify }

        /** The settings; throws [ConfigurationException] when the key and certificates cannot make a TLS context. */
        public fun build(): ClientTls = ClientTls(this)
    }

    /** Defaults and the builder. */
    public companion object {
        /** The JVM's trusted authorities, no client certificate, hostnames verified. */
        @JvmField
        public val DEFAULT: ClientTls = Builder(null).build()

        /** A new builder. */
        @JvmStatic
        public fun builder(): Builder = Builder(null)

        internal fun <T> build(
            what: String,
            make: () -> T,
        ): T =
            try {
                make()
            } catch (e: ConfigurationException) {
                throw e
            } catch (e: Exception) {
                throw ConfigurationException("cannot make the $what context: ${e.message ?: e}", e)
            }
    }
}

/** Builds [ClientTls] with a Kotlin DSL: `ClientTls { trust(TrustMaterial.fromPem(ca)) }`. */
@JvmSynthetic
public inline fun ClientTls(block: ClientTls.Builder.() -> Unit): ClientTls = ClientTls.builder().apply(block).build()
