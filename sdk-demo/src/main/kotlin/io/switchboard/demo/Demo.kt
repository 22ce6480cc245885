package io.switchboard.demo

import io.switchboard.RequestOptions
import io.switchboard.ServiceManager
import io.switchboard.balancer.LoadBalancers
import io.switchboard.discovery.InMemoryRegistry
import io.switchboard.interceptor.AuthInterceptor
import io.switchboard.interceptor.LoggingInterceptor
import io.switchboard.interceptor.MetricsInterceptor
import io.switchboard.server.ServiceServer
import io.switchboard.server.host
import io.switchboard.service.Channel
import io.switchboard.service.Get
import io.switchboard.service.Query
import io.switchboard.service.Service
import kotlinx.coroutines.runBlocking
import kotlinx.serialization.Serializable
import kotlin.system.exitProcess

/** What the demo's greeting service answers. */
@Serializable
data class Greeting(
    val message: String,
    val instance: String,
)

/** The demo's service: one interface, hosted by sdk-server, called by path and through a proxy. */
@Service(name = "greeting-service")
interface GreetingService {
    /** Greets [name], or the world. */
    @Get("/hello")
    suspend fun hello(
        @Query("name") name: String?,
    ): Greeting
}

/** One instance's implementation: it says which instance answered. */
class GreetingServiceImpl(
    private val instance: String,
) : GreetingService {
    override suspend fun hello(name: String?): Greeting = Greeting("Hello, ${name ?: "world"}!", instance)
}

private const val SERVICE = "greeting-service"
private const val CALLS_PER_STRATEGY = 400

/**
 * The demo: three instances of a greeting service hosted by sdk-server on loopback ports and
 * registered in the embedded registry with weights 1, 1 and 2, called through a [ServiceManager] with
 * interceptors, a raw call, a Java CompletableFuture call, service proxies over rest and dispatch-json,
 * and every load-balancing strategy.
 */
fun main() {
    runBlocking {
        val registry = InMemoryRegistry()
        val servers =
            listOf(1.0, 1.0, 2.0).mapIndexed { i, weight ->
                ServiceServer {
                    host<GreetingService>(GreetingServiceImpl("greeting-${i + 1}"))
                    registry(registry)
                    weight(weight)
                }.start()
            }
        println("== $SERVICE: ${registry.snapshot(SERVICE).joinToString { "port ${it.port} (weight ${it.weight})" }}")
        try {
            run(registry)
        } finally {
            servers.forEach { it.stop() }
        }
    }
    println("== done")
    exitProcess(0)
}

private suspend fun run(registry: InMemoryRegistry) {
    val metrics = MetricsInterceptor()
    ServiceManager {
        discovery(registry)
        addInterceptor(LoggingInterceptor())
        addInterceptor(AuthInterceptor("demo-token"))
        addInterceptor(metrics)
    }.use { manager ->
        println("\n== A call with the logging, auth and metrics interceptors (the Authorization header is masked)")
        val greeting: Greeting = manager.get(SERVICE, "/hello", RequestOptions { query("name", "Ada") })
        println("result: $greeting")

        println("\n== A raw call: status, headers and body as they came")
        manager.rawGet(SERVICE, "/hello") { response ->
            println(
                "raw: HTTP ${response.status} from port ${response.instance.port}, Content-Type ${response.header(
                    "Content-Type",
                )}, body ${response.text()}",
            )
        }

        println("\n== A call from Java through CompletableFuture")
        println(JavaDemo.call(manager))

        manager.removeInterceptor(LoggingInterceptor.NAME)
        println("\n== The same service through a proxy of its interface")
        for (channel in listOf(Channel.REST, Channel.DISPATCH_JSON)) {
            val proxy = manager.getService<GreetingService>(channel)
            println("${channel.id}: ${proxy.hello("proxy")}")
        }

        println("\n== $CALLS_PER_STRATEGY calls per strategy (weights 1:1:2)")
        for (strategy in LoadBalancers.names) {
            ServiceManager {
                discovery(registry)
                loadBalancer(strategy)
            }.use { strategic ->
                val counts = sortedMapOf<String, Int>()
                repeat(CALLS_PER_STRATEGY) {
                    val from = strategic.get<Greeting>(SERVICE, "/hello").instance
                    counts[from] = (counts[from] ?: 0) + 1
                }
                val shares = counts.entries.joinToString("  ") { (name, n) -> "$name %5.1f%%".format(100.0 * n / CALLS_PER_STRATEGY) }
                println("%-19s %s".format(strategy, shares))
            }
        }

        println("\n== Metrics of the interceptor-equipped manager")
        metrics.snapshot().forEach {
            println("${it.serviceName} ${it.method} ${it.outcome}: ${it.count} call(s), mean ${it.meanTime.toNanos() / 1000} µs")
        }
    }
}
