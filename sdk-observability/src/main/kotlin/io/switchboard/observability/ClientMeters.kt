package io.switchboard.observability

import io.micrometer.core.instrument.Counter
import io.micrometer.core.instrument.MeterRegistry
import io.micrometer.core.instrument.Tags
import io.micrometer.core.instrument.Timer
import io.switchboard.HttpStatusException
import io.switchboard.RequestContext
import io.switchboard.ServiceManager
import io.switchboard.client.PoolPlugin
import io.switchboard.client.RateLimitPlugin
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.CopyOnWriteArrayList
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicInteger

/**
 * A manager's Micrometer meters: `http.client.requests` (Spring's name and tags, plus `service`), attempts by kind,
 * ejections, and gauges of calls in flight, instances by state, the instance list's age and waiting calls.
 */
internal class ClientMeters(
    private val registry: MeterRegistry,
    private val manager: ServiceManager,
) : AutoCloseable {
    private val timers = ConcurrentHashMap<TimerKey, Timer>()
    private val attempts = ConcurrentHashMap<Triple<String, String, String>, Counter>()
    private val ejections = ConcurrentHashMap<Pair<String, Boolean>, Counter>()
    private val inFlight = ConcurrentHashMap<String, AtomicInteger>()
    private val gauges = CopyOnWriteArrayList<AutoCloseable>()

    /** The manager's own gauges: attempts waiting for a connection, calls waiting for a pool or rate limit. */
    fun bindManager() {
        gauge(PENDING, Tags.of("limit", "connection"), "Attempts waiting for a connection permit") { it.connectionsWaiting }
        gauge(PENDING, Tags.of("limit", "pool"), "Calls waiting for a PoolPlugin") { m ->
            m.interceptors.filterIsInstance<PoolPlugin>().sumOf { it.waiting }
        }
        gauge(PENDING, Tags.of("limit", "rate-limit"), "Calls waiting for a RateLimitPlugin") { m ->
            m.interceptors.filterIsInstance<RateLimitPlugin>().sumOf { it.waiting }
        }
    }

    fun started(service: String) {
        inFlight.computeIfAbsent(service, ::bindService).incrementAndGet()
    }

    fun finished(
        context: RequestContext,
        uri: String,
        failure: Throwable?,
    ) {
        inFlight[context.serviceName]?.decrementAndGet()
        val status = context.response?.status
        val exception = if (failure == null || failure is HttpStatusException) NONE else failure.javaClass.simpleName
        val key = TimerKey(context.serviceName, context.method, uri, status ?: NO_STATUS, exception)
        val timer =
            timers.computeIfAbsent(key) { k ->
                Timer
                    .builder(REQUESTS)
                    .description("Calls made through Switchboard, by service, method, uri template and outcome")
                    .tags(
                        Tags.of(
                            "service",
                            k.service,
                            "method",
                            k.method,
                            "uri",
                            k.uri,
                            "status",
                            when {
                                k.status != NO_STATUS -> k.status.toString()

                                k.exception == NONE -> "NONE"

                                // answered by a call interceptor without a request
                                else -> "CLIENT_ERROR"
                            },
                            "outcome",
                            outcome(k.status),
                            "exception",
                            k.exception,
                        ),
                    ).register(registry)
            }
        val nanos = context.duration?.toNanos() ?: 0L
        timer.record(nanos, TimeUnit.NANOSECONDS)
    }

    fun attempt(
        service: String,
        kind: String,
        status: String,
    ) {
        attempts
            .computeIfAbsent(Triple(service, kind, status)) { (s, k, st) ->
                Counter
                    .builder(ATTEMPTS)
                    .description("Attempts of calls on instances, by kind (first, retry, hedge) and status or failure")
                    .tags("service", s, "kind", k, "status", st)
                    .register(registry)
            }.increment()
    }

    fun ejected(
        service: String,
        again: Boolean,
    ) {
        ejections
            .computeIfAbsent(service to again) { (s, a) ->
                Counter
                    .builder(EJECTIONS)
                    .description("Instances taken out of rotation by outlier detection (again: after a failed probe)")
                    .tags("service", s, "again", a.toString())
                    .register(registry)
            }.increment()
    }

    /** The gauges of [service], once, on its first call. */
    private fun bindService(service: String): AtomicInteger {
        val count = AtomicInteger()
        val tags = Tags.of("service", service)
        gauges += SummedGauges.add(registry, IN_FLIGHT, tags, "Calls in flight") { count.get().toDouble() }
        // every manager calling the service sees the same instances: the largest count, not the sum
        for (state in listOf("available", "ejected", "unhealthy")) {
            gauge(
                INSTANCES,
                tags.and("state", state),
                "Instances of the service by state, in the list its last call saw",
                max = true,
            ) { m ->
                m.instanceStates(service).count { s ->
                    when (state) {
                        "ejected" -> s.ejected
                        "unhealthy" -> !s.ejected && !s.instance.healthy
                        else -> !s.ejected && s.instance.healthy
                    }
                }
            }
        }
        gauge(
            AGE,
            tags,
            "How old the service's instance list is: 0 while the registry is live, the snapshot's age while it is not",
            max = true,
        ) { m ->
            m.snapshotDiscovery
                ?.status(service)
                ?.age
                ?.toMillis()
                ?.div(1000.0) ?: 0.0
        }
        return count
    }

    private fun gauge(
        name: String,
        tags: Tags,
        description: String,
        max: Boolean = false,
        value: (ServiceManager) -> Number,
    ) {
        val manager = manager
        gauges += SummedGauges.add(registry, name, tags, description, max) { if (manager.isClosed) 0.0 else value(manager).toDouble() }
    }

    /** Takes this manager's part out of the gauges; timers and counters stay, as cumulative meters do. */
    override fun close() {
        gauges.forEach(AutoCloseable::close)
        gauges.clear()
    }

    private data class TimerKey(
        val service: String,
        val method: String,
        val uri: String,
        val status: Int,
        val exception: String,
    )

    companion object {
        const val REQUESTS = "http.client.requests"
        const val ATTEMPTS = "switchboard.client.attempts"
        const val EJECTIONS = "switchboard.client.ejections"
        const val IN_FLIGHT = "switchboard.client.requests.active"
        const val INSTANCES = "switchboard.client.instances"
        const val AGE = "switchboard.client.instances.age"
        const val PENDING = "switchboard.client.pending"
        private const val NONE = "none"
        private const val NO_STATUS = -1

        /** Spring's `outcome` tag for [status]. */
        fun outcome(status: Int): String =
            when (status) {
                in 100..199 -> "INFORMATIONAL"
                in 200..299 -> "SUCCESS"
                in 300..399 -> "REDIRECTION"
                in 400..499 -> "CLIENT_ERROR"
                in 500..599 -> "SERVER_ERROR"
                else -> "UNKNOWN"
            }
    }
}
