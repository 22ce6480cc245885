package io.switchboard.faults

import io.switchboard.e2e.Hello
import io.switchboard.registry.nacos.NacosConfig
import io.switchboard.registry.nacos.NacosRegistry
import io.switchboard.server.ServiceServer
import io.switchboard.server.host
import io.switchboard.service.Get
import io.switchboard.service.Service
import java.nio.file.Files
import java.nio.file.Path
import java.util.concurrent.CountDownLatch

/** The service each provider process of [ProcessFaultTest] hosts. */
@Service(name = FAULT_SERVICE)
interface FaultService {
    /** An idempotent GET: `{"status":"OK","server":"<provider name>"}`. */
    @Get("/hello")
    suspend fun hello(): Hello

    /** A method without an HTTP mapping, reached over the dispatch channel (a POST): the provider's name. */
    suspend fun whoAmI(): String
}

/** The name [FaultService] is registered under. */
const val FAULT_SERVICE = "faults"

/**
 * A provider process of [ProcessFaultTest]: a [ServiceServer] hosting [FaultService], registered in the
 * real Nacos at the first argument (`host:port`), in the group of the second argument, answering with
 * the name of the third. It prints `PORT <port>` once listening and registered, then runs until it is
 * killed. It has no shutdown code of its own: on SIGTERM the server's own hook deregisters and drains.
 *
 * With a fourth argument, a file, it boots (JVM, Nacos client, server built) and prints `BOOTED`, but
 * starts the server only once that file exists: a replacement started at once when its turn comes.
 */
fun main(args: Array<String>) {
    val (serverAddr, group, name) = args
    val registry = NacosRegistry(NacosConfig(serverAddr, group = group))
    val server =
        ServiceServer {
            host<FaultService>(
                object : FaultService {
                    override suspend fun hello(): Hello = Hello("OK", name)

                    override suspend fun whoAmI(): String = name
                },
            )
            registry(registry)
        }
    args.getOrNull(3)?.let { go ->
        println("BOOTED")
        System.out.flush()
        val deadline = System.nanoTime() + 600_000_000_000L
        while (!Files.exists(Path.of(go))) {
            check(System.nanoTime() < deadline) { "$go was not created within 10 minutes" }
            Thread.sleep(10)
        }
    }
    server.startAsync().join()
    println("PORT ${server.port}")
    System.out.flush()
    CountDownLatch(1).await()
}
