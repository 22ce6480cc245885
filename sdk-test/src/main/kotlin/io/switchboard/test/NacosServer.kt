package io.switchboard.test

import io.switchboard.registry.nacos.NacosConfig
import io.switchboard.test.nacos.WatchedMain
import org.slf4j.LoggerFactory
import java.io.File
import java.net.HttpURLConnection
import java.net.InetAddress
import java.net.InetSocketAddress
import java.net.ServerSocket
import java.net.URI
import java.nio.file.Files
import java.nio.file.Path
import java.util.concurrent.ThreadLocalRandom
import java.util.concurrent.TimeUnit

/**
 * A real Nacos server for tests, started from Maven Central artifacts in a child JVM on free loopback
 * ports with embedded storage.
 *
 * The server is a rebuild of Nacos 2.3.2 published on Maven Central
 * (`org.jeecgframework.nacos:nacos-console:2.3.2`; Alibaba publishes no server jars there). Its
 * classpath is resolved once with the `mvn` on the PATH into `~/.cache/switchboard/` and reused. The
 * child JVM ends when this JVM ends, even if it is killed.
 *
 * [shared] gives one server per JVM, shared by every test class that asks, stopped at exit. When the
 * environment variable `SWITCHBOARD_NACOS_ADDR` names an existing server (`host:port`), [shared]
 * uses it instead of launching one ([SWITCHBOARD_NACOS_USERNAME] and `…_PASSWORD` give its credentials).
 */
public class NacosServer private constructor(
    private val options: Options,
    private val external: String?,
) : AutoCloseable {
    /**
     * How to launch a dedicated server.
     *
     * @property auth whether authentication is on (user `nacos`, password `nacos`).
     * @property startTimeoutSeconds how long start-up may take.
     */
    public class Options
        @JvmOverloads
        constructor(
            public val auth: Boolean = false,
            public val startTimeoutSeconds: Long = 120,
        ) {
            override fun toString(): String = "Options(auth=$auth, startTimeoutSeconds=$startTimeoutSeconds)"
        }

    private val home: Path = Files.createTempDirectory("switchboard-nacos")
    private val port: Int = external?.substringAfterLast(':')?.toInt() ?: freeBasePort()
    private var process: Process? = null

    /** `host:port` of the server, as `server-addr` wants it. */
    public val serverAddr: String = external ?: "127.0.0.1:$port"

    /** The user to log in with when auth is on. */
    public val username: String? =
        if (external != null) {
            System.getenv(USERNAME_ENV)
        } else if (options.auth) {
            "nacos"
        } else {
            null
        }

    /** The password of [username]. */
    public val password: String? =
        if (external != null) {
            System.getenv(PASSWORD_ENV)
        } else if (options.auth) {
            "nacos"
        } else {
            null
        }

    /** A configuration pointing at this server, in [namespace] and [group]. */
    @JvmOverloads
    public fun config(
        namespace: String = "",
        group: String = "DEFAULT_GROUP",
        cluster: String = "DEFAULT",
    ): NacosConfig = NacosConfig(serverAddr, namespace, cluster, group, username = username, password = password)

    /** Whether the server process is running (always true for an external server). */
    public val isRunning: Boolean get() = external != null || process?.isAlive == true

    /** Starts the server (again, after [stop]: same ports, same data) and waits until it is ready. */
    @Synchronized
    public fun start(): NacosServer {
        if (isRunning) return this
        val log = home.resolve("server.log").toFile()
        val command =
            listOf(
                javaBinary(),
                "-Xms128m",
                "-Xmx384m",
                "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1",
                "-Dnacos.standalone=true",
                "-Dnacos.home=$home",
                "-Dserver.port=$port",
                "-Dserver.address=127.0.0.1",
                "-Dnacos.inetutils.ip-address=127.0.0.1",
                "-Dnacos.naming.push.pushTaskDelay=50",
                "-Dserver.tomcat.accesslog.enabled=false",
                "-Dnacos.core.auth.enabled=${options.auth}",
                "-Dnacos.core.auth.system.type=nacos",
                "-Dnacos.core.auth.caching.enabled=false",
                "-Dnacos.core.auth.server.identity.key=switchboard",
                "-Dnacos.core.auth.server.identity.value=switchboard",
                "-Dnacos.core.auth.plugin.nacos.token.secret.key=$SECRET",
                "-cp",
                classpath(),
                WatchedMain::class.java.name,
                ProcessHandle.current().pid().toString(),
                MAIN_CLASS,
            )
        val started = System.nanoTime()
        process =
            ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log))
                .start()
        val deadline = started + TimeUnit.SECONDS.toNanos(options.startTimeoutSeconds)
        while (!ready()) {
            if (process?.isAlive != true) error("Nacos exited during start-up; its log ends with:\n${tail(log)}")
            if (System.nanoTime() > deadline) {
                stop()
                error("Nacos was not ready within ${options.startTimeoutSeconds} s; its log ends with:\n${tail(log)}")
            }
            Thread.sleep(200)
        }
        logger.info("Nacos {} ready at {} in {} ms", VERSION, serverAddr, (System.nanoTime() - started) / 1_000_000)
        return this
    }

    /** Stops the server (SIGTERM, then forcibly after 15 s); [start] brings it back with its data. */
    @Synchronized
    public fun stop() {
        val running = process ?: return
        running.destroy()
        if (!running.waitFor(15, TimeUnit.SECONDS)) running.destroyForcibly().waitFor(5, TimeUnit.SECONDS)
        process = null
    }

    /** Stops the server and deletes its data; the [shared] server is closed at JVM exit instead. */
    override fun close() {
        if (this === sharedServer) return
        stop()
        home.toFile().deleteRecursively()
    }

    private fun ready(): Boolean =
        try {
            val connection = URI("http://127.0.0.1:$port/nacos/v1/console/health/readiness").toURL().openConnection() as HttpURLConnection
            connection.connectTimeout = 500
            connection.readTimeout = 1_000
            connection.responseCode == 200
        } catch (_: Exception) {
            false
        }

    override fun toString(): String = "NacosServer($serverAddr${if (options.auth) ", auth" else ""})"

    /** Launching and sharing servers. */
    public companion object {
        /** The Nacos server version launched. */
        public const val VERSION: String = "2.3.2"

        /** The environment variable naming an existing server to use instead of launching one. */
        public const val ADDRESS_ENV: String = "SWITCHBOARD_NACOS_ADDR"

        /** The environment variable with the user of an existing server. */
        public const val USERNAME_ENV: String = "SWITCHBOARD_NACOS_USERNAME"

        /** The environment variable with the password of an existing server. */
        public const val PASSWORD_ENV: String = "SWITCHBOARD_NACOS_PASSWORD"

        private const val MAIN_CLASS = "com.alibaba.nacos.Nacos"
        private const val ARTIFACT = "org.jeecgframework.nacos:nacos-console:$VERSION"

        // base64 of 32 bytes: the token key Nacos' auth plugin requires
        private const val SECRET = "U3dpdGNoYm9hcmRUZXN0U2VjcmV0S2V5MDEyMzQ1Njc4OQ=="
        private val logger = LoggerFactory.getLogger(NacosServer::class.java)

        @Volatile
        private var sharedServer: NacosServer? = null

        /** One server per JVM (auth off), started on first use and stopped at exit; or the one [ADDRESS_ENV] names. */
        @JvmStatic
        @Synchronized
        public fun shared(): NacosServer {
            sharedServer?.let { return it }
            val external = System.getenv(ADDRESS_ENV)?.takeIf { it.isNotBlank() }
            val server = NacosServer(Options(), external)
            if (external == null) {
                server.start()
                Runtime.getRuntime().addShutdownHook(
                    Thread {
                        server.stop()
                        server.home.toFile().deleteRecursively()
                    },
                )
            }
            sharedServer = server
            return server
        }

        /** A dedicated server with [options], started; close it when done. */
        @JvmStatic
        @JvmOverloads
        public fun launch(options: Options = Options()): NacosServer = NacosServer(options, null).start()

        private fun javaBinary(): String = Path.of(System.getProperty("java.home"), "bin", "java").toString()

        /** The server's runtime classpath, resolved once through Maven and cached; com.caucho's hessian must come first. */
        @Synchronized
        private fun classpath(): String {
            val cache = Path.of(System.getProperty("user.home"), ".cache", "switchboard", "nacos-server-$VERSION")
            val file = cache.resolve("classpath.txt")
            val cached = if (Files.exists(file)) Files.readString(file).trim() else ""
            val entries =
                if (cached.isNotEmpty() && cached.split(File.pathSeparator).all { File(it).exists() }) {
                    cached.split(File.pathSeparator)
                } else {
                    resolve(cache, file)
                }
            val (caucho, rest) = entries.partition { it.contains("com${File.separator}caucho") }
            val watched =
                File(
                    WatchedMain::class.java.protectionDomain.codeSource.location
                        .toURI(),
                ).path
            return (caucho + rest + watched).joinToString(File.pathSeparator)
        }

        private fun resolve(
            cache: Path,
            file: Path,
        ): List<String> {
            Files.createDirectories(cache)
            val (group, artifact, version) = ARTIFACT.split(':')
            Files.writeString(
                cache.resolve("pom.xml"),
                """
                <project xmlns="http://maven.apache.org/POM/4.0.0">
                  <modelVersion>4.0.0</modelVersion>
                  <groupId>io.switchboard.test</groupId>
                  <artifactId>nacos-server-classpath</artifactId>
                  <version>1</version>
                  <dependencies>
                    <dependency><groupId>$group</groupId><artifactId>$artifact</artifactId><version>$version</version></dependency>
                  </dependencies>
                </project>
                """.trimIndent(),
            )
            val mvn = if (System.getProperty("os.name").lowercase().contains("win")) "mvn.cmd" else "mvn"
            val output = cache.resolve("resolve.log").toFile()
            logger.info("Resolving the Nacos {} server through Maven (once; cached in {})", VERSION, cache)
            val process =
                try {
                    ProcessBuilder(
                        mvn,
                        "-B",
                        "-q",
                        "-f",
                        cache.resolve("pom.xml").toString(),
                        "dependency:build-classpath",
                        "-DincludeScope=runtime",
                        "-Dmdep.outputFile=$file",
                    ).redirectErrorStream(true).redirectOutput(output).start()
                } catch (e: Exception) {
                    error("could not run '$mvn' to resolve the Nacos server ($ARTIFACT): $e; put Maven on the PATH or set $ADDRESS_ENV")
                }
            if (!process.waitFor(10, TimeUnit.MINUTES) || process.exitValue() != 0) {
                error("Maven could not resolve $ARTIFACT; its output:\n${tail(output)}")
            }
            return Files.readString(file).trim().split(File.pathSeparator)
        }

        /** A base port P with P, P+1000 and P+1001 (gRPC) and P-1000 (Raft) all free. */
        private fun freeBasePort(): Int {
            repeat(200) {
                val base = ThreadLocalRandom.current().nextInt(21_000, 40_000)
                if (listOf(base, base + 1000, base + 1001, base - 1000).all(::isFree)) return base
            }
            error("found no free ports for Nacos")
        }

        private fun isFree(port: Int): Boolean =
            try {
                ServerSocket().use { it.bind(InetSocketAddress(InetAddress.getByName("0.0.0.0"), port)) }
                true
            } catch (_: Exception) {
                false
            }

        private fun tail(file: File): String =
            if (file.exists()) {
                file.readLines().takeLast(30).joinToString("\n")
            } else {
                "(no output)"
            }
    }
}
