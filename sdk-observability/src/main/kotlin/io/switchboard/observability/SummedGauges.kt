package io.switchboard.observability

import io.micrometer.core.instrument.Gauge
import io.micrometer.core.instrument.MeterRegistry
import io.micrometer.core.instrument.Tags
import java.util.Collections
import java.util.WeakHashMap
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.CopyOnWriteArrayList

/**
 * Gauges that several managers or servers contribute to: one gauge per registry, name and tags whose value is the
 * sum (or, for what each source sees of the same thing — instances, a list's age — the largest) of its live sources (two spec clients calling the same service, say, each with a manager of its own). A
 * source's [AutoCloseable] takes it away; the gauge leaves the registry with its last source.
 */
internal object SummedGauges {
    private val byRegistry: MutableMap<MeterRegistry, ConcurrentHashMap<Pair<String, Tags>, Entry>> =
        Collections.synchronizedMap(WeakHashMap())

    fun add(
        registry: MeterRegistry,
        name: String,
        tags: Tags,
        description: String,
        max: Boolean = false,
        source: () -> Double,
    ): AutoCloseable {
        val entries = synchronized(byRegistry) { byRegistry.getOrPut(registry) { ConcurrentHashMap() } }
        val key = name to tags
        synchronized(entries) {
            val entry =
                entries.getOrPut(key) {
                    val sources = CopyOnWriteArrayList<() -> Double>()
                    val gauge =
                        Gauge
                            .builder(name, sources) { list -> if (max) list.maxOfOrNull { it() } ?: 0.0 else list.sumOf { it() } }
                            .description(description)
                            .tags(tags)
                            .strongReference(true)
                            .register(registry)
                    Entry(gauge, sources)
                }
            entry.sources += source
            return AutoCloseable {
                synchronized(entries) {
                    entry.sources.remove(source)
                    if (entry.sources.isEmpty() && entries.remove(key, entry)) registry.remove(entry.gauge)
                }
            }
        }
    }

    private class Entry(
        val gauge: Gauge,
        val sources: CopyOnWriteArrayList<() -> Double>,
    )
}
