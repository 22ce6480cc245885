package io.switchboard.nacos

import io.switchboard.ServiceManager
import io.switchboard.e2e.Hello
import io.switchboard.registry.nacos.NacosRegistry
import kotlinx.coroutines.delay
import java.util.UUID

fun uniqueName(prefix: String): String = "$prefix-${UUID.randomUUID().toString().take(8)}"

/** Calls [service] until [condition] holds for the set of servers that answered the last [window] calls. */
suspend fun ServiceManager.callUntil(
    service: String,
    timeoutMillis: Long = 10_000,
    window: Int = 10,
    condition: (Set<String>) -> Boolean,
): Long {
    val start = System.nanoTime()
    val recent = ArrayDeque<Pair<Long, String>>()
    while (true) {
        val answer = runCatching { get<Hello>(service, "/hello").server }.getOrElse { "error: ${it.message}" }
        recent.addLast(System.nanoTime() to answer)
        if (recent.size > window) recent.removeFirst()
        if (recent.size == window && condition(recent.map { it.second }.toSet())) {
            return (recent.first().first - start) / 1_000_000
        }
        if (System.nanoTime() - start > timeoutMillis * 1_000_000) {
            error("condition not met within $timeoutMillis ms; last answers: ${recent.map { it.second }}")
        }
        delay(5)
    }
}

/** Waits until [registry] lists [count] instances of [service]. */
suspend fun awaitInstances(
    registry: NacosRegistry,
    service: String,
    count: Int,
    timeoutMillis: Long = 10_000,
) {
    val deadline = System.currentTimeMillis() + timeoutMillis
    while (registry.instances(service).size != count) {
        check(System.currentTimeMillis() < deadline) { "$service has ${registry.instances(service).size} instance(s), expected $count" }
        delay(20)
    }
}

/**
 * Starts [main] in a child JVM on this test's class path with [args], and returns it once it printed
 * `REGISTERED` (a child that fails before is killed, and the failure thrown).
 */
suspend fun startRegisteredChild(
    main: Class<*>,
    vararg args: String,
): Process {
    val java = java.io.File(System.getProperty("java.home"), "bin/java").path
    val child =
        ProcessBuilder(
            listOf(java, "-cp", System.getProperty("java.class.path"), main.name) + args,
        ).redirectErrorStream(true).start()
    try {
        kotlinx.coroutines.withContext(kotlinx.coroutines.Dispatchers.IO) {
            child.inputStream
                .bufferedReader()
                .lineSequence()
                .first { it.contains("REGISTERED") }
        }
    } catch (e: Throwable) {
        child.destroyForcibly()
        throw e
    }
    return child
}

/** Waits until [condition] holds, checking every 50 ms; fails naming [what] after [timeoutMillis]. */
suspend fun pollUntil(
    what: String,
    timeoutMillis: Long = 30_000,
    condition: suspend () -> Boolean,
) {
    val deadline = System.currentTimeMillis() + timeoutMillis
    while (!condition()) {
        check(System.currentTimeMillis() < deadline) { "$what: not within $timeoutMillis ms" }
        delay(50)
    }
}
