package io.switchboard.bench

import io.ktor.client.request.get
import io.ktor.client.statement.bodyAsText
import io.switchboard.ServiceManager
import kotlinx.coroutines.runBlocking
import okhttp3.OkHttpClient
import java.lang.management.ManagementFactory

/** How many services the heap scenario's clients know. */
const val KNOWN_SERVICES: Int = 100

private fun settledHeap(): Long {
    val memory = ManagementFactory.getMemoryMXBean()
    var used = Long.MAX_VALUE
    repeat(5) {
        System.gc()
        Thread.sleep(100)
        used = minOf(used, memory.heapMemoryUsage.used)
    }
    return used
}

/** The heap [create]'s result keeps reachable once idle: used heap after full collections, with it minus without. */
fun retainedBytes(create: () -> AutoCloseable): Long {
    val before = settledHeap()
    val kept = create()
    val after = settledHeap()
    kept.close()
    return after - before
}

/** Heap contenders: what an application holds to call [KNOWN_SERVICES] services (or one, where it says so). */
val HEAP_CONTENDERS: List<Pair<String, (List<Int>) -> AutoCloseable>> =
    listOf(
        "Ktor CIO client after $KNOWN_SERVICES calls (baseline)" to { ports ->
            val client = ktorCio()
            runBlocking { repeat(KNOWN_SERVICES) { client.get("http://127.0.0.1:${ports[it % 3]}/hello").bodyAsText() } }
            client
        },
        "ServiceManager knowing $KNOWN_SERVICES services, one call each" to { ports ->
            val names = Array(KNOWN_SERVICES) { "service-$it" }
            val manager = ServiceManager { discovery(registryOf(ports, *names)) }
            runBlocking { names.forEach { manager.get<Hello>(it, "/hello") } }
            manager
        },
        "Retrofit: $KNOWN_SERVICES interfaces on one OkHttp client, one call each" to { ports ->
            val okHttp = OkHttpClient.Builder().build()
            val apis = List(KNOWN_SERVICES) { RetrofitClient.create(okHttp, "http://127.0.0.1:${ports[it % 3]}") }
            apis.forEach { RetrofitClient.body(it.hello().execute()) }
            AutoCloseable {
                apis.size
                okHttp.dispatcher.executorService.shutdown()
                okHttp.connectionPool.evictAll()
            }
        },
        "OpenFeign: Spring context with one Feign client, one call" to { ports ->
            FeignClient(ports).also { it.get() }
        },
    )
