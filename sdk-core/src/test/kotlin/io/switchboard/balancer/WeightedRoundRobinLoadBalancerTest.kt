package io.switchboard.balancer

import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.ints.shouldBeLessThan
import io.kotest.matchers.shouldBe
import io.switchboard.RequestContext
import io.switchboard.RequestOptions
import io.switchboard.ServiceInstance

private val context = RequestContext("GET", "svc", "/", RequestOptions.NONE)

private fun instance(
    id: String,
    weight: Double,
) = ServiceInstance("svc", "10.0.0.1", 8080, instanceId = id, weight = weight)

private fun longestRun(ids: List<String>): Int =
    ids
        .fold(Pair("", 0) to 0) { (run, best), id ->
            val length = if (run.first == id) run.second + 1 else 1
            (id to length) to maxOf(best, length)
        }.second

class WeightedRoundRobinLoadBalancerTest :
    FunSpec({
        test("weights 5:1:1 give the interleaved sequence A A C A A B A, cycle after cycle") {
            val instances = listOf(instance("A", 5.0), instance("B", 1.0), instance("C", 1.0))
            val balancer = WeightedRoundRobinLoadBalancer()
            val picks = List(70) { balancer.choose(instances, context).instanceId }
            picks.take(7) shouldBe listOf("A", "A", "C", "A", "A", "B", "A")
            picks.chunked(7).forEach { it shouldBe picks.take(7) }
            longestRun(picks) shouldBeLessThan 4
        }

        test("a raised weight takes effect at once, without starving the instance") {
            val balancer = WeightedRoundRobinLoadBalancer()
            val warming = listOf(instance("A", 0.1), instance("B", 10.0))
            // A was just chosen: at weight 0.1 its next turn is ten time units away
            balancer.choose(warming, context).instanceId shouldBe "A"
            val warm = listOf(instance("A", 10.0), instance("B", 10.0))
            val next = List(20) { balancer.choose(warm, context).instanceId }
            next.count { it == "A" } shouldBe 10
            longestRun(next) shouldBeLessThan 3
        }

        test("10,000 instances of equal weight are each chosen once per cycle") {
            val instances = List(10_000) { instance("i$it", 1.0) }
            val balancer = WeightedRoundRobinLoadBalancer()
            val cycle = List(10_000) { balancer.choose(instances, context).instanceId }
            cycle.toSet().size shouldBe 10_000
            List(10_000) { balancer.choose(instances, context).instanceId } shouldBe cycle
        }

        test("shares follow the weights exactly over whole cycles") {
            val instances = listOf(instance("A", 3.0), instance("B", 2.0), instance("C", 1.0))
            val balancer = WeightedRoundRobinLoadBalancer()
            val counts = List(600) { balancer.choose(instances, context).instanceId }.groupingBy { it }.eachCount()
            counts shouldBe mapOf("A" to 300, "B" to 200, "C" to 100)
        }

        test("an instance list change keeps the scores of the instances that stay") {
            val balancer = WeightedRoundRobinLoadBalancer()
            val two = listOf(instance("A", 1.0), instance("B", 1.0))
            List(3) { balancer.choose(two, context).instanceId } shouldBe listOf("A", "B", "A")
            val three = two + instance("C", 1.0)
            val next = List(6) { balancer.choose(three, context).instanceId }
            next.groupingBy { it }.eachCount() shouldBe mapOf("A" to 2, "B" to 2, "C" to 2)
        }
    })

class LoadBalancersTest :
    FunSpec({
        test("the seed's four names are known, in order, then the load-aware ones") {
            LoadBalancers.names.toList() shouldBe
                listOf("round_robin", "random", "weight_round_robin", "weight_random", "least_requests", "peak_ewma")
        }

        test("a single instance is returned by every strategy") {
            val only = listOf(instance("A", 1.0))
            LoadBalancers.names.forEach { LoadBalancers.factory(it).create("svc").choose(only, context) shouldBe only[0] }
        }

        test("weight_random follows the weights") {
            val instances = listOf(instance("A", 1.0), instance("B", 4.0))
            val balancer = LoadBalancers.factory(LoadBalancers.WEIGHT_RANDOM).create("svc")
            val b = List(20_000) { balancer.choose(instances, context).instanceId }.count { it == "B" }
            (b in 15_500..16_500) shouldBe true
        }
    })
