package io.switchboard.service

import io.switchboard.ServiceInstance
import io.switchboard.discovery.InMemoryRegistry
import io.switchboard.server.ServiceServer
import io.switchboard.server.host
import io.switchboard.spi.ServiceRegistry
import kotlinx.coroutines.delay
import kotlinx.coroutines.withTimeout
import java.nio.file.Files
import java.nio.file.Path
import java.time.Duration
import java.util.concurrent.CountDownLatch

/** The service of the child JVM that [ShutdownSignalTest] sends SIGTERM to. */
@Service(name = "held")
interface HeldService {
    /** Answers once the release file exists. */
    suspend fun hold(): String

    /** Answers at once. */
    suspend fun ping(): String
}

/** An embedded registry that prints each registration and deregistration on stdout. */
private class PrintingRegistry(
    private val registry: InMemoryRegistry = InMemoryRegistry(),
) : ServiceRegistry {
    override suspend fun register(instance: ServiceInstance) {
        registry.register(instance)
        println("REGISTERED ${instance.serviceName} ${instance.instanceId}")
    }

    override suspend fun deregister(instance: ServiceInstance) {
        registry.deregister(instance)
        println("DEREGISTERED ${instance.serviceName} ${instance.instanceId}")
    }
}

/**
 * The child JVM of [ShutdownSignalTest]: hosts [HeldService] with the default shutdown hook and nothing
 * of its own for shutdown, prints `PORT <port>`, then waits for the signal. `hold` prints `HOLDING` and
 * answers once the file named by the first argument exists (at most 60 s).
 */
fun main(args: Array<String>) {
    val release = Path.of(args[0])
    val server =
        ServiceServer {
            host<HeldService>(
                object : HeldService {
                    override suspend fun hold(): String {
                        println("HOLDING")
                        withTimeout(60_000) { while (!Files.exists(release)) delay(10) }
                        return "released"
                    }

                    override suspend fun ping(): String = "pong"
                },
            )
            registry(PrintingRegistry())
            drainTimeout(Duration.ofSeconds(30))
            onStop { println("STOPPED") }
        }.startAsync().join()
    println("PORT ${server.port}")
    CountDownLatch(1).await()
}
