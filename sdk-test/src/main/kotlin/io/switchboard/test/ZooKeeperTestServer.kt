package io.switchboard.test

import org.apache.curator.test.InstanceSpec
import org.apache.curator.test.TestingServer
import java.io.File
import java.nio.file.Files

/**
 * A real ZooKeeper server (3.9, through Curator's `TestingServer`) in this JVM, on 127.0.0.1 and a free
 * port, with a tick of [tickMillis] (sessions may then last from 2 to 20 ticks). [stop] and [restart]
 * take it down and bring it back on the same port with its data, for outage tests.
 */
public class ZooKeeperTestServer private constructor(
    private val server: TestingServer,
    private val dataDir: File,
) : AutoCloseable {
    /** `127.0.0.1:port`, for `connect-string`. */
    public val connectString: String get() = "127.0.0.1:$port"

    /** The port it listens on. */
    public val port: Int = server.port

    /** Stops serving (clients lose their connection; sessions expire once it is back if it was down long enough). */
    public fun stop() {
        server.stop()
    }

    /** Serves again on the same port, with the data it had. */
    public fun restart() {
        server.restart()
    }

    override fun close() {
        server.close()
        dataDir.deleteRecursively()
    }

    override fun toString(): String = "ZooKeeperTestServer($connectString)"

    /** Starting one. */
    public companion object {
        /** Starts a server on a free loopback port. */
        @JvmStatic
        @JvmOverloads
        public fun start(tickMillis: Int = 500): ZooKeeperTestServer {
            val dataDir = Files.createTempDirectory("switchboard-zk").toFile()
            val spec =
                InstanceSpec(
                    dataDir,
                    0,
                    -1,
                    -1,
                    true,
                    1,
                    tickMillis,
                    100,
                    mapOf<String, Any>("clientPortAddress" to "127.0.0.1", "admin.enableServer" to "false"),
                    "127.0.0.1",
                )
            return ZooKeeperTestServer(TestingServer(spec, true), dataDir)
        }
    }
}
