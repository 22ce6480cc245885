package io.switchboard.demo

import io.ktor.http.ContentType
import io.ktor.server.engine.EmbeddedServer
import io.ktor.server.engine.connector
import io.ktor.server.engine.embeddedServer
import io.ktor.server.netty.Netty
import io.ktor.server.netty.NettyApplicationEngine
import io.ktor.server.response.respondText
import io.ktor.server.routing.get
import io.ktor.server.routing.routing
import io.switchboard.RequestOptions
import io.switchboard.ServiceInstance
import io.switchboard.ServiceManager
import io.switchboard.balancer.LoadBalancers
import io.switchboard.discovery.InMemoryRegistry
import io.switchboard.interceptor.AuthInterceptor
import io.switchboard.interceptor.LoggingInterceptor
import io.switchboard.interceptor.MetricsInterceptor
import kotlinx.coroutines.runBlocking
import kotlinx.serialization.Serializable
import kotlinx.serialization.json.Json
import kotlin.system.exitProcess

/** What the demo's greeting service answers. */
@Serializable
data class Greeting(
    val message: String,
    val instance: String,
)

private const val SERVICE = "greeting-service"
private const val CALLS_PER_STRATEGY = 400

/** Starts one instance of the greeting service on 127.0.0.1 and a free port. */
private fun startInstance(name: String): Pair<EmbeddedServer<NettyApplicationEngine, NettyApplicationEngine.Configuration>, Int> {
    val server =
        embeddedServer(Netty, configure = {
            connector {
                host = "127.0.0.1"
                port = 0
            }
        }) {
            routing {
                get("/hello") {
                    val who = call.request.queryParameters["name"] ?: "world"
                    call.respondText(Json.encodeToString(Greeting("Hello, $who!", name)), ContentType.Application.Json)
                }
            }
        }.start(wait = false)
    val port =
        runBlocking {
            server.engine
                .resolvedConnectors()
                .first()
                .port
        }
    return server to port
}

/**
 * The demo: three instances of a greeting service on loopback ports, registered in the embedded
 * registry with weights 1, 1 and 2, called through a [ServiceManager] with interceptors, a raw call, a
 * Java CompletableFuture call, and every load-balancing strategy.
 */
fun main() {
    val weights = listOf(1.0, 1.0, 2.0)
    val started = weights.indices.map { startInstance("greeting-${it + 1}") }
    val registry = InMemoryRegistry()
    started.forEachIndexed { i, (_, port) ->
        registry.add(ServiceInstance(SERVICE, "127.0.0.1", port, instanceId = "greeting-${i + 1}", weight = weights[i]))
    }
    println("== $SERVICE: ${registry.snapshot(SERVICE).joinToString { "${it.instanceId} on port ${it.port} (weight ${it.weight})" }}")
    try {
        runBlocking { run(registry) }
    } finally {
        started.forEach { (server, _) -> server.stop(0, 1_000) }
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
                "raw: HTTP ${response.status} from ${response.instance.instanceId}, Content-Type ${response.header(
                    "Content-Type",
                )}, body ${response.text()}",
            )
        }

        println("\n== A call from Java through CompletableFuture")
        println(JavaDemo.call(manager))

        manager.removeInterceptor(LoggingInterceptor.NAME)
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
