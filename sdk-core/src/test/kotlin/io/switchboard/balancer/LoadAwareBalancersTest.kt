package io.switchboard.balancer

import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.doubles.plusOrMinus
import io.kotest.matchers.shouldBe
import io.switchboard.RequestContext
import io.switchboard.ServiceInstance
import io.switchboard.spi.InstanceStats

/** Fixed statistics by port: in flight and latency in nanoseconds (-1: no sample). */
private class FixedStats(
    val inFlight: Map<Int, Int>,
    val latency: Map<Int, Long>,
) : InstanceStats {
    override fun inFlight(instance: ServiceInstance): Int = inFlight[instance.port] ?: 0

    override fun latencyNanos(instance: ServiceInstance): Long = latency[instance.port] ?: InstanceStats.NO_SAMPLE

    override fun consecutiveFailures(instance: ServiceInstance): Int = 0
}

private fun shares(
    balancer: io.switchboard.spi.LoadBalancer,
    instances: List<ServiceInstance>,
    stats: InstanceStats,
    calls: Int = 20_000,
): Map<Int, Double> {
    val context = RequestContext("GET", "svc", "/").also { it.instanceStats = stats }
    val counts = HashMap<Int, Int>()
    repeat(calls) { counts.merge(balancer.choose(instances, context).port, 1, Int::plus) }
    return instances.associate { it.port to (counts[it.port] ?: 0).toDouble() / calls }
}

class LoadAwareBalancersTest :
    FunSpec({
        val three = List(3) { ServiceInstance("svc", "10.0.0.$it", 8000 + it) }

        test("least_requests: power of two choices never picks the busiest of three, and splits evenly when idle") {
            val busy = shares(LeastRequestsLoadBalancer(), three, FixedStats(mapOf(8000 to 5, 8001 to 1, 8002 to 0), emptyMap()))
            busy[8000] shouldBe 0.0
            // the least busy wins both pairs it is in: two thirds
            busy[8002]!! shouldBe (2.0 / 3 plusOrMinus 0.02)
            shares(LeastRequestsLoadBalancer(), three, InstanceStats.NONE).values.forEach { it shouldBe (1.0 / 3 plusOrMinus 0.02) }
        }

        test("least_requests weighs in-flight calls by weight") {
            val weighted = listOf(ServiceInstance("svc", "a", 8000, weight = 4.0), ServiceInstance("svc", "b", 8001))
            // (4 + 1) / 4 is more than (0 + 1) / 1: the heavy one loses; (2 + 1) / 4 is less: it wins
            shares(LeastRequestsLoadBalancer(), weighted, FixedStats(mapOf(8000 to 4), emptyMap()))[8000] shouldBe 0.0
            shares(LeastRequestsLoadBalancer(), weighted, FixedStats(mapOf(8000 to 2), emptyMap()))[8000] shouldBe 1.0
        }

        test("peak_ewma: latency × (in flight + 1); an instance without a sample is costed at the other's latency") {
            val stats = FixedStats(mapOf(8001 to 3), mapOf(8000 to 50_000_000L, 8001 to 1_000_000L))
            // 8001: 1 ms × 4 = 4 ms beats 8000's 50 ms; 8002 has no sample: it costs the other's latency × 1 and wins both pairs
            val s = shares(PeakEwmaLoadBalancer(), three, stats)
            s[8000] shouldBe 0.0
            s[8002]!! shouldBe (2.0 / 3 plusOrMinus 0.02)
            shares(PeakEwmaLoadBalancer(), three, InstanceStats.NONE).values.forEach { it shouldBe (1.0 / 3 plusOrMinus 0.02) }
        }

        test("both names are registered") {
            LoadBalancers.factory("least_requests").create("svc").javaClass shouldBe LeastRequestsLoadBalancer::class.java
            LoadBalancers.factory("peak_ewma").create("svc").javaClass shouldBe PeakEwmaLoadBalancer::class.java
            LoadBalancers.names shouldBe
                setOf("round_robin", "random", "weight_round_robin", "weight_random", "least_requests", "peak_ewma")
        }
    })
