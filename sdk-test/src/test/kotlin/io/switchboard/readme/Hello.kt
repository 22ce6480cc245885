package io.switchboard.readme

// README:begin kotlin
import io.switchboard.RequestOptions
import io.switchboard.ServiceInstance
import io.switchboard.ServiceManager
import io.switchboard.interceptor.LoggingInterceptor
import kotlinx.serialization.Serializable

@Serializable
data class Hello(
    val status: String,
    val server: String,
)

suspend fun callHello(port: Int): Hello =
    ServiceManager {
        staticInstances("hello-service", ServiceInstance("hello-service", "127.0.0.1", port))
        loadBalancer("peak_ewma")
        addInterceptor(LoggingInterceptor())
    }.use { manager ->
        manager.get("hello-service", "/hello", RequestOptions { header("X-Caller", "quick-start") })
    }
// README:end
