package io.switchboard.cli

import io.switchboard.ServiceInstance
import kotlinx.coroutines.channels.Channel
import picocli.CommandLine.Command
import picocli.CommandLine.Option
import picocli.CommandLine.Parameters
import java.time.LocalTime
import java.time.format.DateTimeFormatter

/**
 * `switchboard watch SERVICE`: the service's instances, then each change as the registry pushes it (an instance
 * added, removed, or changed in weight, health or metadata), one line per change with the time, until interrupted
 * (Ctrl-C) or `--count` changes were seen. `--json` prints one JSON object per line.
 */
@Command(
    name = "watch",
    description = ["Print a service's instance changes as the registry pushes them, until interrupted."],
    mixinStandardHelpOptions = true,
)
class WatchCommand : ServiceCommand() {
    @Parameters(index = "0", paramLabel = "SERVICE", description = ["The service to watch."])
    lateinit var service: String

    @Option(names = ["--count"], paramLabel = "N", description = ["Stop after N changes (default: run until interrupted)."])
    var count: Int? = null

    override val endsOnInterrupt: Boolean get() = true

    override suspend fun run(session: Session): Int {
        count?.let { if (it < 1) throw CliFailure("--count $it (expected: 1 or more)", ExitCode.USAGE) }
        val changes = Channel<List<ServiceInstance>>(Channel.UNLIMITED)
        session.discovery.subscribe(service) { _, instances -> changes.trySend(instances) }.use {
            var current = session.discovery.instances(service)
            if (current.isEmpty()) {
                val known = session.services()
                if (service !in known) throw CliFailure(ServiceNames.unknown(service, known, session.description))
            }
            print(event(current, current, initial = true))
            var seen = 0
            while (count == null || seen < count!!) {
                val next = changes.receive()
                val event = event(current, next, initial = false)
                if (event.added.isEmpty() && event.removed.isEmpty() && event.changed.isEmpty()) continue
                print(event)
                current = next
                seen++
            }
        }
        return ExitCode.OK
    }

    private fun event(
        before: List<ServiceInstance>,
        after: List<ServiceInstance>,
        initial: Boolean,
    ): WatchEvent {
        val old = before.associateBy { it.instanceId }
        val new = after.associateBy { it.instanceId }
        return WatchEvent(
            LocalTime.now().format(TIME),
            service,
            initial,
            added = if (initial) emptyList() else new.keys.filter { it !in old }.map { new.getValue(it).address },
            removed = if (initial) emptyList() else old.keys.filter { it !in new }.map { old.getValue(it).address },
            changed = new.filter { (id, i) -> old[id]?.let { same(it, i) } == false }.map { it.value.address },
            instances = after.sortedWith(compareBy({ it.host }, { it.port })).map { InstanceView.of(it) },
        )
    }

    private fun same(
        a: ServiceInstance,
        b: ServiceInstance,
    ): Boolean = a == b && a.cluster == b.cluster && a.metadata == b.metadata

    private fun print(event: WatchEvent) {
        if (output.json) {
            io.out.println(JsonText.compact.encodeToString(WatchEvent.serializer(), event))
            return
        }
        val time = terminal.dim(event.time)
        val byAddress = event.instances.associateBy { it.address }
        val total = "${event.instances.size} instance(s)"
        if (event.initial) {
            io.out.println(
                "$time ${terminal.bold(service)} $total: ${event.instances.joinToString(", ") { it.address + " " + details(it) }}",
            )
        }
        event.added.forEach {
            io.out.println(
                "$time ${terminal.bold(service)} ${terminal.green("+ $it")} ${details(byAddress[it])} → $total",
            )
        }
        event.removed.forEach { io.out.println("$time ${terminal.bold(service)} ${terminal.red("- $it")} → $total") }
        event.changed.forEach { io.out.println("$time ${terminal.bold(service)} ${terminal.yellow("~ $it")} ${details(byAddress[it])}") }
        io.out.flush()
    }

    private fun details(view: InstanceView?): String =
        if (view == null) {
            ""
        } else {
            "(weight ${view.weight}, " + (if (view.healthy) "healthy" else "unhealthy") +
                (if (view.cluster != ServiceInstance.DEFAULT_CLUSTER) ", cluster ${view.cluster}" else "") + ")"
        }

    private companion object {
        private val TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS")
    }
}
