package io.switchboard.cli

import io.switchboard.ConfigurationException
import io.switchboard.ServiceInstance
import io.switchboard.SwitchboardException
import io.switchboard.config.ConfigLoader
import io.switchboard.config.SwitchboardConfig
import io.switchboard.registry.nacos.NacosConfig
import io.switchboard.registry.nacos.NacosRegistry
import io.switchboard.registry.zookeeper.ZooKeeperConfig
import io.switchboard.registry.zookeeper.ZooKeeperRegistry
import picocli.CommandLine.Option
import java.nio.file.Files
import java.nio.file.Path
import java.time.Duration

/**
 * Where a command finds services: the same `application.yaml` (and profiles) a `ServiceManager` reads, read by the
 * SDK's own loader, or flags for the common cases. Flags win over the file: `--nacos` or `--zookeeper` replace its
 * `app-registry`, and `--static` lists replace its lists for the services they name. With none, the embedded
 * registry (static lists only).
 */
class RegistryOptions {
    @Option(
        names = ["-c", "--config"],
        paramLabel = "PATH",
        description = ["application.yaml, or the folder holding it (profiles are application-{profile}.yaml beside it)."],
    )
    var config: Path? = null

    @Option(
        names = ["-p", "--profile"],
        paramLabel = "NAME",
        split = ",",
        description = ["Active profile(s) of --config; else switchboard.profiles.active or SWITCHBOARD_PROFILES_ACTIVE."],
    )
    var profiles: List<String> = emptyList()

    @Option(names = ["--nacos"], paramLabel = "HOST:PORT", description = ["A Nacos server (several: comma-separated)."])
    var nacos: String? = null

    @Option(names = ["--namespace"], paramLabel = "ID", description = ["The Nacos namespace (default: public)."])
    var namespace: String = ""

    @Option(names = ["--group"], paramLabel = "NAME", description = ["The Nacos group (default: DEFAULT_GROUP)."])
    var group: String = "DEFAULT_GROUP"

    @Option(names = ["--zookeeper"], paramLabel = "HOST:PORT", description = ["A ZooKeeper ensemble (comma-separated)."])
    var zookeeper: String? = null

    @Option(names = ["--zookeeper-root"], paramLabel = "PATH", description = ["The services' root node (default: /services)."])
    var zookeeperRoot: String = ZooKeeperConfig.DEFAULT_ROOT

    @Option(
        names = ["--static"],
        paramLabel = "SERVICE=HOST:PORT[,HOST:PORT...]",
        description = ["A fixed instance list for a service (repeatable)."],
    )
    var statics: List<String> = emptyList()

    @Option(
        names = ["--registry-timeout"],
        paramLabel = "DURATION",
        converter = [Durations.Converter::class],
        description = ["How long connecting to --nacos or --zookeeper may take (default: 10s)."],
    )
    var registryTimeout: Duration = Duration.ofSeconds(10)

    /** Loads the configuration, connects to the registry and builds the manager; fails with a [CliFailure] saying what to fix. */
    fun open(): Session {
        if (nacos != null && zookeeper != null) throw CliFailure("--nacos and --zookeeper: choose one registry", ExitCode.USAGE)
        val config = config?.let { loadConfig(it) }
        val statics = statics.map(::staticList).toMap()
        return when {
            nacos != null -> {
                val address = nacos!!
                Session.open(config, statics) {
                    connecting("nacos $address") {
                        NacosRegistry(NacosConfig(address, namespace, group = group), registryTimeout).let { Session.Connected(it, it) }
                    }
                }
            }

            zookeeper != null -> {
                val address = zookeeper!!
                Session.open(config, statics) {
                    connecting("zookeeper $address") {
                        ZooKeeperRegistry(ZooKeeperConfig(address, zookeeperRoot, connectionTimeout = registryTimeout))
                            .let { Session.Connected(it, it) }
                    }
                }
            }

            config != null && config.appRegistry.isNotEmpty() -> {
                // what the adapter says the section points at (nacos 10.0.0.5:8848 (namespace …)), read without connecting
                val providers =
                    java.util.ServiceLoader
                        .load(io.switchboard.spi.RegistryProvider::class.java)
                        .associateBy { it.name }
                val where =
                    config.appRegistry.entries.joinToString { (name, section) ->
                        (runCatching { providers[name]?.describe(section) }.getOrNull() ?: name) +
                            ", app-registry.$name in ${section.location}"
                    }
                Session.open(config, statics) {
                    connecting(where) { config.connectRegistry()?.let { Session.Connected(it.discovery, it) } }
                }
            }

            else -> {
                Session.open(config, statics) { null }
            }
        }
    }

    private fun loadConfig(path: Path): SwitchboardConfig =
        try {
            val name = path.fileName?.toString().orEmpty()
            when {
                Files.isDirectory(path) -> {
                    SwitchboardConfig.load(path, *profiles.toTypedArray())
                }

                !Files.isRegularFile(path) -> {
                    throw CliFailure("--config $path: no such file or folder", ExitCode.USAGE)
                }

                name == "application.yaml" || name == "application.yml" -> {
                    SwitchboardConfig.load(path.toAbsolutePath().parent, *profiles.toTypedArray())
                }

                profiles.isNotEmpty() -> {
                    throw CliFailure(
                        "--profile needs --config to name application.yaml or its folder (profiles are application-{profile}.yaml " +
                            "beside it), not $name",
                        ExitCode.USAGE,
                    )
                }

                else -> {
                    ConfigLoader().parse(Files.readString(path), path.toString())
                }
            }
        } catch (e: ConfigurationException) {
            throw CliFailure(Session.oneLine(e.message), ExitCode.USAGE, e)
        }

    private fun staticList(option: String): Pair<String, List<ServiceInstance>> {
        val usage = "--static '$option' (expected: SERVICE=HOST:PORT[,HOST:PORT...])"
        val service = option.substringBefore('=', "").trim()
        val addresses =
            option
                .substringAfter('=', "")
                .split(',')
                .map { it.trim() }
                .filter { it.isNotEmpty() }
        if (service.isEmpty() || addresses.isEmpty()) throw CliFailure(usage, ExitCode.USAGE)
        return service to
            addresses.map { address ->
                val host = address.substringBeforeLast(':', "").removePrefix("[").removeSuffix("]")
                val port = address.substringAfterLast(':', "").toIntOrNull()
                if (host.isEmpty() || port == null ||
                    port !in 1..65535
                ) {
                    throw CliFailure("$usage: '$address' is not HOST:PORT", ExitCode.USAGE)
                }
                ServiceInstance(service, host, port)
            }
    }

    private fun <T> connecting(
        where: String,
        connect: () -> T,
    ): T =
        try {
            connect()
        } catch (e: ConfigurationException) {
            throw CliFailure(Session.oneLine(e.message), ExitCode.USAGE, e)
        } catch (e: SwitchboardException) {
            throw CliFailure("cannot reach the registry ($where): ${Session.oneLine(e.message)}", ExitCode.FAILED, e)
        } catch (e: IllegalArgumentException) {
            throw CliFailure("$where: ${e.message}", ExitCode.USAGE, e)
        }
}
