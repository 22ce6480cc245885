package io.switchboard.internal

import io.ktor.client.HttpClient
import io.ktor.client.HttpClientConfig
import io.ktor.client.engine.HttpClientEngine
import io.ktor.client.engine.cio.CIO
import io.ktor.client.engine.cio.endpoint
import io.ktor.client.plugins.HttpTimeout
import io.switchboard.ConfigurationException
import io.switchboard.HttpEngine
import io.switchboard.tls.ClientTls
import kotlinx.coroutines.Job
import okhttp3.ConnectionPool
import okhttp3.Dispatcher
import okhttp3.OkHttpClient
import java.time.Duration
import java.util.concurrent.TimeUnit

/** The transport settings of one manager. */
internal class HttpSettings(
    val engine: HttpEngine,
    val connectTimeout: Duration,
    val readTimeout: Duration,
    val requestTimeout: Duration?,
    val connectionPoolSize: Int,
    val keepAlive: Duration,
    val tls: ClientTls = ClientTls.DEFAULT,
)

/** Creates the one pooled Ktor client of a manager (or one over [transport], when given). */
internal fun createHttpClient(
    settings: HttpSettings,
    transport: HttpClientEngine? = null,
): HttpClient {
    if (transport != null) return HttpClient(transport) { common(settings) }
    val pool = settings.connectionPoolSize
    return when (settings.engine) {
        HttpEngine.OKHTTP -> {
            val okHttp =
                OkHttpClient
                    .Builder()
                    // at most `pool` calls run at once, so at most `pool` connections exist; all stay idle for reuse
                    .connectionPool(ConnectionPool(pool, settings.keepAlive.toMillis(), TimeUnit.MILLISECONDS))
                    .dispatcher(
                        Dispatcher().apply {
                            maxRequests = pool
                            maxRequestsPerHost = pool
                        },
                    ).connectTimeout(settings.connectTimeout)
                    .readTimeout(settings.readTimeout)
                    .writeTimeout(settings.readTimeout)
                    // never resend by itself: the attempt loop decides what may be repeated, and where
                    .retryOnConnectionFailure(false)
                    .apply {
                        if (settings.tls !== ClientTls.DEFAULT) {
                            val (context, trustManager) = settings.tls.jdkContext
                            sslSocketFactory(context.socketFactory, trustManager)
                            if (!settings.tls.hostnameVerification) hostnameVerifier { _, _ -> true }
                        }
                    }.build()
            val engine = OkHttpTransport(okHttp)
            HttpClient(engine) { common(settings) }.also { client ->
                // a client made over a given engine leaves it open: close it with the client
                client.coroutineContext[Job]!!.invokeOnCompletion { engine.close() }
            }
        }

        // the manager sends over NettyClient itself (NettyCallTransport): no Ktor client is made for it
        HttpEngine.NETTY -> {
            error("the Netty engine has no Ktor client: the manager calls through NettyCallTransport")
        }

        HttpEngine.CIO -> {
            if (settings.tls !== ClientTls.DEFAULT) {
                throw ConfigurationException(
                    "TLS settings (trust, client certificate, hostname verification) need the netty or okhttp engine, not cio",
                )
            }
            HttpClient(CIO) {
                engine {
                    maxConnectionsCount = pool
                    endpoint {
                        maxConnectionsPerRoute = pool
                        keepAliveTime = settings.keepAlive.toMillis()
                        connectTimeout = settings.connectTimeout.toMillis()
                    }
                }
                common(settings)
            }
        }
    }
}

private fun HttpClientConfig<*>.common(settings: HttpSettings) {
    expectSuccess = false
    // bodies are read raw and decoded by the manager's codec: Ktor's body transformers would only add pipeline steps
    useDefaultTransformers = false
    install(HttpTimeout) {
        connectTimeoutMillis = settings.connectTimeout.toMillis()
        socketTimeoutMillis = settings.readTimeout.toMillis()
        requestTimeoutMillis = settings.requestTimeout?.toMillis()
    }
}
