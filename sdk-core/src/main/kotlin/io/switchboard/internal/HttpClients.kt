package io.switchboard.internal

import io.ktor.client.HttpClient
import io.ktor.client.HttpClientConfig
import io.ktor.client.engine.HttpClientEngine
import io.ktor.client.engine.cio.CIO
import io.ktor.client.engine.cio.endpoint
import io.ktor.client.engine.okhttp.OkHttp
import io.ktor.client.plugins.HttpTimeout
import io.switchboard.HttpEngine
import okhttp3.ConnectionPool
import okhttp3.Dispatcher
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
            HttpClient(OkHttp) {
                engine {
                    config {
                        // at most `pool` calls run at once, so at most `pool` connections exist; all stay idle for reuse
                        connectionPool(ConnectionPool(pool, settings.keepAlive.toMillis(), TimeUnit.MILLISECONDS))
                        dispatcher(
                            Dispatcher().apply {
                                maxRequests = pool
                                maxRequestsPerHost = pool
                            },
                        )
                        retryOnConnectionFailure(true)
                    }
                }
                common(settings)
            }
        }

        HttpEngine.CIO -> {
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
    install(HttpTimeout) {
        connectTimeoutMillis = settings.connectTimeout.toMillis()
        socketTimeoutMillis = settings.readTimeout.toMillis()
        requestTimeoutMillis = settings.requestTimeout?.toMillis()
    }
}
