package io.switchboard.cli

import io.switchboard.ServiceInstance
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.coroutineScope
import picocli.CommandLine.Command
import picocli.CommandLine.Parameters

/**
 * `switchboard list` (with service names, or none): the services and their instances — address, weight, health, cluster, metadata,
 * whether the manager has ejected them, and how old the registry's list is — as a table or `--json`. Without names,
 * every service the registry lists, and the configured ones.
 */
@Command(
    name = "list",
    description = ["List services and their instances (all services, or those named)."],
    mixinStandardHelpOptions = true,
)
class ListCommand : ServiceCommand() {
    @Parameters(paramLabel = "SERVICE", arity = "0..*", description = ["Services to show (default: every service)."])
    var services: List<String> = emptyList()

    override suspend fun run(session: Session): Int {
        val names = services.ifEmpty { session.services().toList() }
        // one registry lookup per service, at once: a registry listing hundreds of services answers in one round trip's time
        val views = coroutineScope { names.map { name -> async { view(session, name) } }.awaitAll() }
        if (output.json) {
            io.out.println(JsonText.pretty.encodeToString(ListView.serializer(), ListView(session.description, views)))
            return ExitCode.OK
        }
        val count = views.sumOf { it.instances.size }
        io.out.println(terminal.dim("${session.description}: ${views.size} service(s), $count instance(s)"))
        if (views.isEmpty()) return ExitCode.OK
        val table = Table(listOf("SERVICE", "INSTANCE", "WEIGHT", "HEALTH", "CLUSTER", "EJECTED", "AGE", "METADATA"))
        for (service in views) {
            val age = service.ageMillis?.let { Durations.format(java.time.Duration.ofMillis(it)) } ?: service.source
            if (service.instances.isEmpty()) table.row(service.name, terminal.dim("(no instances)"), "", "", "", "", age, "")
            service.instances.forEach { i ->
                table.row(
                    service.name,
                    i.address + if (i.secure) " (https)" else "",
                    weight(i.weight),
                    if (i.healthy) terminal.green("healthy") else terminal.red("unhealthy"),
                    i.cluster,
                    if (i.ejected) terminal.yellow("ejected") else "no",
                    age,
                    i.metadata.entries.joinToString(",") { (k, v) -> "$k=$v" },
                )
            }
        }
        table.print(io.out, terminal)
        return ExitCode.OK
    }

    private suspend fun view(
        session: Session,
        name: String,
    ): ServiceView {
        // a name given on the command line must exist; a listed service may have no instance left
        val instances = if (services.isEmpty()) session.discovery.instances(name) else session.instancesOf(name)
        val states = session.manager.instanceStates(name).associateBy { it.instance.instanceId }
        return ServiceView(
            name,
            session.sourceOf(name),
            session.ageOf(name)?.toMillis(),
            instances.sortedWith(compareBy<ServiceInstance>({ it.host }, { it.port })).map { InstanceView.of(it, states[it.instanceId]) },
        )
    }

    private fun weight(weight: Double): String = if (weight == Math.floor(weight)) weight.toLong().toString() else weight.toString()
}
