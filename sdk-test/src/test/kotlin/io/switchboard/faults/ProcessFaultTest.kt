package io.switchboard.faults

import io.kotest.assertions.withClue
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldBeEmpty
import io.kotest.matchers.collections.shouldNotBeEmpty
import io.kotest.matchers.ints.shouldBeGreaterThan
import io.kotest.matchers.ints.shouldBeGreaterThanOrEqual
import io.kotest.matchers.longs.shouldBeLessThan
import io.kotest.matchers.nulls.shouldNotBeNull
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.kotest.matchers.types.shouldBeInstanceOf
import io.switchboard.RequestOptions
import io.switchboard.RetryPolicy
import io.switchboard.ServiceCallException
import io.switchboard.ServiceManager
import io.switchboard.ServiceTimeoutException
import io.switchboard.TimeoutKind
import io.switchboard.balancer.LoadBalancers
import io.switchboard.e2e.Echo
import io.switchboard.e2e.Hello
import io.switchboard.nacos.awaitInstances
import io.switchboard.nacos.uniqueName
import io.switchboard.registry.nacos.NacosRegistry
import io.switchboard.service.Channel
import io.switchboard.service.eventually
import io.switchboard.test.NacosServer
import io.switchboard.test.TestHttpServer
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.delay
import kotlinx.coroutines.withTimeout
import java.nio.file.Files
import java.time.Duration
import kotlin.time.Duration.Companion.minutes
import kotlin.time.Duration.Companion.seconds

/** 16 callers, as in every scenario here. */
private const val CALLERS = 16

private fun nanosSince(start: Long): Long = System.nanoTime() - start

/** [e], its causes and what each suppressed, one per line. */
private fun causes(e: Throwable): String =
    generateSequence(e) { it.cause }.joinToString("\n  caused by ") { t ->
        t.toString() + t.suppressed.joinToString("") { "\n    suppressed: $it" }
    }

/**
 * Calls that survive failing instances, shown with real processes: provider JVMs hosting [FaultService]
 * in a [io.switchboard.server.ServiceServer], registered in a real Nacos, called by 16 concurrent callers
 * of a [ServiceManager] that discovers them there; one provider is killed (SIGKILL), frozen (SIGSTOP), or
 * each in turn restarted (SIGTERM). Every failed call is counted. The last scenario, a POST to an
 * instance that dies after reading it, runs in-process.
 */
class ProcessFaultTest :
    FunSpec({
        val nacos by lazy { NacosServer.shared() }
        val dir = Files.createTempDirectory("process-faults")
        afterSpec { dir.toFile().deleteRecursively() }

        /** Starts providers named [names] at once in [group] and waits until each is listening and registered. */
        suspend fun fleet(
            group: String,
            vararg names: String,
        ): List<ProviderProcess> {
            val providers = names.map { ProviderProcess.launch(nacos.serverAddr, group, it, dir) }
            try {
                providers.forEach { it.awaitPort() }
            } catch (e: Throwable) {
                providers.forEach(ProviderProcess::close)
                throw e
            }
            return providers
        }

        /**
         * Runs [block] with a manager that discovers the [providers] of [group] through Nacos and retries by
         * [policy], once the providers were warmed up by another manager; a [RetriedCalls] sees its calls.
         */
        suspend fun <T> withCallers(
            group: String,
            providers: Int,
            policy: RetryPolicy = RetryPolicy.DEFAULT,
            block: suspend CoroutineScope.(ServiceManager, RetriedCalls, NacosRegistry) -> T,
        ): T =
            NacosRegistry(nacos.config(group = group)).use { discovery ->
                awaitInstances(discovery, FAULT_SERVICE, providers, 30_000)
                // warm the providers up (their code loaded and compiled) with the default policy, as a fleet in service is
                ServiceManager { discovery(discovery) }.use { warmUp ->
                    withTimeout(1.minutes) {
                        coroutineScope {
                            val load =
                                CallerLoad(this, CALLERS, listOf(Caller("GET") { warmUp.get<Hello>(FAULT_SERVICE, "/hello").server }))
                            try {
                                eventually("every provider answers 300 warm-up calls", 60_000) {
                                    load.answers().size == providers && load.answers().values.all { it >= 300 }
                                }
                            } finally {
                                load.stop()
                            }
                        }
                    }
                }
                val recorder = RetriedCalls()
                ServiceManager {
                    discovery(discovery)
                    requestTimeout(10.seconds)
                    retry(policy)
                    addInterceptor(recorder)
                }.use { manager ->
                    withTimeout(3.minutes) { coroutineScope { block(manager, recorder, discovery) } }
                }
            }

        /** Plain GETs and GETs through a proxy over the rest channel: idempotent calls. */
        fun gets(manager: ServiceManager): List<Caller> {
            val rest = manager.getService<FaultService>(Channel.REST)
            return listOf(
                Caller("GET") { manager.get<Hello>(FAULT_SERVICE, "/hello").server },
                Caller("rest proxy GET") { rest.hello().server },
            )
        }

        fun report(
            scenario: String,
            load: CallerLoad,
            recorder: RetriedCalls,
            extra: String,
        ) = println(
            "[$scenario] ${load.summary()}; $extra; failed calls by attempts made: ${recorder.failedByAttempts()}; " +
                "first failures: ${load.failures.take(5)}; their attempts: ${recorder.failed.take(5)}",
        )

        test("kill -9 of one of 3 provider processes under 16 callers: no call fails, calls go on completing") {
            val group = uniqueName("KILL")
            val providers = fleet(group, "kill-0", "kill-1", "kill-2")
            try {
                withCallers(group, 3) { manager, recorder, discovery ->
                    val load = CallerLoad(this, CALLERS, gets(manager))
                    val victim = providers[1]
                    val killedAt: Long
                    val answersAtKill: Map<String, Int>
                    val completedAtKill: Int
                    var noticedMillis = -1L
                    try {
                        eventually("every provider answers", 30_000) { providers.all { load.answeredBy(it.name) >= 50 } }
                        answersAtKill = load.answers()
                        completedAtKill = load.completed
                        killedAt = System.nanoTime()
                        victim.kill()
                        victim.awaitExit(10_000).shouldNotBeNull()
                        awaitInstances(discovery, FAULT_SERVICE, 2, 30_000)
                        noticedMillis = nanosSince(killedAt) / 1_000_000
                        eventually("calls go on for 2 s after the kill", 30_000) {
                            nanosSince(killedAt) > 2_000_000_000L && load.completed - completedAtKill >= 200
                        }
                    } finally {
                        load.stop()
                    }
                    val metKill = recorder.failedAttemptsAt(victim.port)
                    report(
                        "kill -9",
                        load,
                        recorder,
                        "killed ${load.millisInto(
                            killedAt,
                        )} ms into the load; Nacos dropped it after $noticedMillis ms; ${metKill.size} attempts met it and were retried",
                    )
                    withClue("failed calls: ${load.failures.take(5)}") { load.failures.shouldBeEmpty() }
                    load.completed - completedAtKill shouldBeGreaterThanOrEqual 200
                    providers.filter { it !== victim }.forEach {
                        withClue("answers of ${it.name} after the kill") {
                            load.answeredBy(it.name) shouldBeGreaterThan
                                answersAtKill.getValue(it.name)
                        }
                    }
                    // the kill was met (connections reset or refused), and those attempts were retried elsewhere
                    metKill.shouldNotBeEmpty()
                }
            } finally {
                providers.forEach(ProviderProcess::close)
            }
        }

        test("SIGSTOP of one of 3 provider processes for 5 s: with an attempt timeout calls complete every second, none fails") {
            val group = uniqueName("STOP")
            val providers = fleet(group, "stop-0", "stop-1", "stop-2")
            val attemptTimeout = Duration.ofMillis(300)
            try {
                withCallers(group, 3, RetryPolicy.builder().attemptTimeout(attemptTimeout).build()) { manager, recorder, _ ->
                    val load = CallerLoad(this, CALLERS, gets(manager))
                    val victim = providers[1]
                    var frozenAt = 0L
                    var resumedAt = 0L
                    try {
                        // 5 s of steady load first, as a fleet in service has when one of its instances hangs (the retry
                        // budget counts the calls of the last 10 s)
                        eventually("every provider answers for 5 s", 30_000) {
                            providers.all { load.answeredBy(it.name) >= 50 } && nanosSince(load.started) > 5_000_000_000L
                        }
                        try {
                            victim.freeze()
                            frozenAt = System.nanoTime()
                            // the freeze lasts 5 s: this is the scenario's length, not a wait for something to happen
                            delay(5_000)
                        } finally {
                            victim.resume()
                            resumedAt = System.nanoTime()
                        }
                        val completedAtResume = load.completed
                        eventually("calls go on after the resume", 30_000) { load.completed - completedAtResume >= 100 }
                    } finally {
                        victim.resume()
                        load.stop()
                    }
                    val perSecond = load.perSecond(frozenAt, resumedAt)
                    val longestGap = load.longestGapMillis(frozenAt, resumedAt)
                    val timedOut =
                        recorder.failedAttemptsAt(victim.port).filter {
                            (it.failure as? ServiceTimeoutException)?.kind == TimeoutKind.ATTEMPT
                        }
                    report(
                        "SIGSTOP",
                        load,
                        recorder,
                        "frozen from ${load.millisInto(frozenAt)} to ${load.millisInto(resumedAt)} ms into the load; " +
                            "completions per second while frozen: $perSecond; longest gap $longestGap ms; " +
                            "${timedOut.size} attempts timed out at the frozen provider and were retried",
                    )
                    withClue("failed calls: ${load.failures.take(5)}") { load.failures.shouldBeEmpty() }
                    withClue("completions per second while frozen: $perSecond") { perSecond.all { it > 0 } shouldBe true }
                    // one hung instance costs a call one attempt timeout (300 ms), never the 5 s of the freeze
                    longestGap shouldBeLessThan 2_000L
                    timedOut.shouldNotBeEmpty()
                }
            } finally {
                providers.forEach(ProviderProcess::close)
            }
        }

        test("rolling restart of 3 provider processes with SIGTERM and no shutdown code of their own: no call fails") {
            val group = uniqueName("ROLL")
            // the replacements boot meanwhile (a JVM start takes seconds on a busy machine) and start their server when their turn comes
            val replacements = (0..2).map { ProviderProcess.launch(nacos.serverAddr, group, "roll-$it-new", dir, held = true) }
            val providers =
                try {
                    fleet(group, "roll-0", "roll-1", "roll-2")
                } catch (e: Throwable) {
                    replacements.forEach(ProviderProcess::close)
                    throw e
                }
            try {
                withCallers(group, 3) { manager, recorder, _ ->
                    val dispatch = manager.getService<FaultService>()
                    val callers = gets(manager) + Caller("dispatch proxy POST") { dispatch.whoAmI() }
                    val load = CallerLoad(this, CALLERS, callers)
                    val exits = ArrayList<Int?>()
                    val events = ArrayList<String>()
                    val started = System.nanoTime()
                    try {
                        eventually("every provider answers", 30_000) { providers.all { load.answeredBy(it.name) >= 50 } }
                        for ((old, fresh) in providers.zip(replacements)) {
                            events += "${old.name} SIGTERM at ${load.millisInto(System.nanoTime())} ms"
                            old.terminate()
                            fresh.start()
                            exits += old.awaitExit(40_000)
                            events += "${old.name} exited at ${load.millisInto(System.nanoTime())} ms"
                            fresh.awaitPort()
                            events += "${fresh.name} registered at ${load.millisInto(System.nanoTime())} ms"
                            eventually("callers reach ${fresh.name}", 30_000) { load.answeredBy(fresh.name) >= 50 }
                        }
                        val completedAfterRoll = load.completed
                        eventually("calls go on after the roll", 30_000) { load.completed - completedAfterRoll >= 200 }
                    } finally {
                        load.stop()
                    }
                    val rollMillis = nanosSince(started) / 1_000_000
                    report(
                        "rolling restart",
                        load,
                        recorder,
                        "the roll took $rollMillis ms: $events; exit codes of the stopped providers: $exits",
                    )
                    withClue("failed calls: ${load.failures.take(5)}") { load.failures.shouldBeEmpty() }
                    // each stopped provider ran its server's own shutdown hook, which drained it (143: ended by SIGTERM)
                    exits shouldBe listOf(143, 143, 143)
                    providers.forEach { withClue(it.tail()) { it.tail(Int.MAX_VALUE) shouldContain "Stopped [$FAULT_SERVICE]" } }
                    replacements.forEach {
                        withClue("answers of ${it.name}") { load.answeredBy(it.name) shouldBeGreaterThan 0 }
                    }
                }
            } finally {
                (providers + replacements).forEach(ProviderProcess::close)
            }
        }

        test("a POST to an instance that dies after reading it runs there at most once and fails; marked idempotent it is retried") {
            RawHttpServer("dying").use { dying ->
                TestHttpServer.start("healthy").use { healthy ->
                    ServiceManager {
                        staticInstances("svc", dying.instance("svc"), healthy.instance("svc"))
                        loadBalancer(LoadBalancers.ROUND_ROBIN)
                        requestTimeout(10.seconds)
                    }.use { manager ->
                        // two GETs before each POST, so that round robin sends every other POST to the dying instance,
                        // over a pooled connection that has served a call before (as under load)
                        suspend fun post(options: RequestOptions): Result<Echo> {
                            repeat(2) { manager.get<Hello>("svc", "/hello") }
                            return runCatching { manager.post<Echo>("svc", "/echo", options) }
                        }

                        val plain = List(6) { post(RequestOptions { text("order-$it") }) }
                        val failed = plain.mapNotNull { it.exceptionOrNull() }
                        val executedAtDying = dying.unansweredCount
                        println(
                            "[POST, dying instance] ${failed.size} of 6 POSTs failed; the dying instance read $executedAtDying POSTs; " +
                                "the first failure: ${failed.firstOrNull()?.let(::causes)}",
                        )
                        failed.size shouldBe 3
                        failed.forEach {
                            it.shouldBeInstanceOf<ServiceCallException>().instance?.port shouldBe dying.port
                        }
                        plain.mapNotNull { it.getOrNull()?.server }.toSet() shouldBe setOf("healthy")
                        // at most once: each failed POST reached the dying instance once, never more (the engine
                        // must not resend a request that failed on a reused connection by itself)
                        withClue("POSTs the dying instance read (OkHttp's own resend on a reused connection?)") {
                            executedAtDying shouldBe failed.size
                        }

                        val idempotent = List(6) { post(RequestOptions { text("again-$it").idempotent(true) }) }
                        idempotent.map { it.getOrThrow().server } shouldBe List(6) { "healthy" }
                        // the dying instance did get them first: each was retried on the healthy one
                        dying.unansweredCount - executedAtDying shouldBeGreaterThanOrEqual 3
                    }
                }
            }
        }
    })
