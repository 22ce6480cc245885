package io.switchboard.cli

import picocli.CommandLine.Command
import picocli.CommandLine.IVersionProvider
import picocli.CommandLine.Model.CommandSpec
import picocli.CommandLine.Spec
import java.util.concurrent.Callable

/** `switchboard`: the commands; run alone, it prints its usage and exits with [ExitCode.USAGE]. */
@Command(
    name = "switchboard",
    mixinStandardHelpOptions = true,
    versionProvider = RootCommand.Version::class,
    description = [
        "See a service's instances and call it by name, through Switchboard's own registries, balancers and failover.",
    ],
    subcommands = [
        ListCommand::class,
        CallCommand::class,
        InvokeCommand::class,
        WatchCommand::class,
        HealthCommand::class,
        OpenApiCommand::class,
    ],
    footer = [
        "",
        "Exit codes: 0 ok, 1 a call failed (or an instance is not UP, or the registry is unreachable), 2 usage error.",
        "Example: switchboard call orders /api/orders/7 --nacos 127.0.0.1:8848",
    ],
)
class RootCommand(
    val io: CliIo,
) : Callable<Int> {
    @Spec
    lateinit var spec: CommandSpec

    override fun call(): Int {
        spec.commandLine().usage(io.err)
        return ExitCode.USAGE
    }

    /** `switchboard --version`: the version the jar was built as. */
    class Version : IVersionProvider {
        override fun getVersion(): Array<String> =
            arrayOf("switchboard ${RootCommand::class.java.`package`?.implementationVersion ?: "(development build)"}")
    }
}
