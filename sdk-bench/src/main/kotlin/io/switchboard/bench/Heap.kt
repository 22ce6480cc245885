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

/**
 * The heap one of [create]'s results keeps reachable once idle: used heap after full collections with [copies]
 * of them minus without, divided by [copies] (several copies lift small clients above the measurement's noise).
 */
fun retainedBytes(
    copies: Int,
    create: () -> AutoCloseable,
): Long {
    val before = settledHeap()
    val kept = List(copies) { create() }
    val after = settledHeap()
    kept.forEach(AutoCloseable::close)
    return (after - before) / copies
}

/** One heap contender: its label, how many copies to measure at once, and how to make one. */
class HeapContender(
    /** The row label. */
    val label: String,
    /** Copies measured together. */
    val copies: Int,
    /** Makes one, against the target's ports. */
    val create: (List<Int>) -> AutoCloseable,
)

/** Heap contenders: what an application holds to call [KNOWN_SERVICES] services (or one, where it says so). */
val HEAP_CONTENDERS: List<HeapContender> =
    listOf(
        HeapContender("Ktor CIO client after $KNOWN_SERVICES calls (baseline)", 20) { ports ->
            val client = ktorCio()
            runBlocking { repeat(KNOWN_SERVICES) { client.get("http://127.0.0.1:${ports[it % 3]}/hello").bodyAsText() } }
            client
        },
        HeapContender("ServiceManager knowing $KNOWN_SERVICES services, one call each", 10) { ports ->
            val names = Array(KNOWN_SERVICES) { "service-$it" }
            val manager = ServiceManager { discovery(registryOf(ports, *names)) }
            runBlocking { names.forEach { manager.get<Hello>(it, "/hello") } }
            manager
        },
        HeapContender("Retrofit: $KNOWN_SERVICES interfaces on one OkHttp client, one call each", 10) { ports ->
            val okHttp = OkHttpClient.Builder().build()
            val apis = List(KNOWN_SERVICES) { RetrofitClient.create(okHttp, "http://127.0.0.1:${ports[it % 3]}") }
            apis.forEach { RetrofitClient.body(it.hello().execute()) }
            AutoCloseable {
                // referencing the interfaces keeps them reachable, so that they count, until the measurement closes this
                apis.size
                okHttp.dispatcher.executorService.shutdown()
                okHttp.connectionPool.evictAll()
            }
        },
        HeapContender("OpenFeign: Spring context with one Feign client, one call", 2) { ports ->
            FeignClient(ports).also { it.get() }
        },
    )
