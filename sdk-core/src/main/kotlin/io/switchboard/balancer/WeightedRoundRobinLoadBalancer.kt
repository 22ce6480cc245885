package io.switchboard.balancer

import io.switchboard.RequestContext
import io.switchboard.ServiceInstance
import io.switchboard.spi.LoadBalancer

/**
 * Weighted round robin, interleaved and O(log n) per choice: over each cycle every instance gets calls in
 * proportion to its weight, spread through the cycle rather than in runs (weights 5:1:1 give A A C A A B A,
 * never five A in a row).
 *
 * It is an earliest-deadline-first schedule: each instance has a next deadline on a virtual clock and moves
 * it forward by `1 / weight` when chosen; a binary heap yields the earliest. An instance first enters at a
 * phase spread by the golden ratio, so instances of equal weight do not all fall due together. Deadlines
 * survive instance-list changes for the instances that stay (rescaled when their weight changed); a new
 * instance enters from the current time.
 */
public class WeightedRoundRobinLoadBalancer : LoadBalancer {
    private var source: List<ServiceInstance>? = null
    private var deadlines = DoubleArray(0)
    private var strides = DoubleArray(0)

    /** Instance indices, a min-heap by deadline (ties go to the lower index). */
    private var heap = IntArray(0)

    /** The virtual time: the deadline of the latest choice. */
    private var now = 0.0

    @Synchronized
    override fun choose(
        instances: List<ServiceInstance>,
        context: RequestContext,
    ): ServiceInstance {
        if (instances.size == 1) return instances[0]
        // a list changed in place (a custom discovery may do that) is adopted anew, like a new list
        if (instances !== source || instances.size != heap.size) adopt(instances)
        val chosen = heap[0]
        now = deadlines[chosen]
        deadlines[chosen] += strides[chosen]
        siftDown(0)
        if (now > RESTART_CLOCK_AT) restartClock()
        return instances[chosen]
    }

    private fun adopt(instances: List<ServiceInstance>) {
        val previous = source
        source = instances
        if (previous != null && previous.size == heap.size && previous == instances) return
        // for the instances that stay: how far their next turn is, in calls of their own (stride units)
        val kept = HashMap<String, Double>(previous?.size ?: 0)
        if (previous != null && previous.size == deadlines.size) {
            previous.forEachIndexed { i, instance -> kept[instance.instanceId] = (deadlines[i] - now) / strides[i] }
        }
        strides = DoubleArray(instances.size) { minOf(1.0 / instances[it].weight, MAX_STRIDE) }
        // a changed weight rescales the wait: a weight raised from 0.1 to 10 waits a tenth as long, not ten units
        deadlines = DoubleArray(instances.size) { now + (kept[instances[it].instanceId] ?: phase(it)) * strides[it] }
        heap = IntArray(instances.size) { it }
        for (i in heap.size / 2 - 1 downTo 0) siftDown(i)
    }

    private fun earlier(
        a: Int,
        b: Int,
    ): Boolean = deadlines[a] < deadlines[b] || (deadlines[a] == deadlines[b] && a < b)

    private fun siftDown(start: Int) {
        var i = start
        val size = heap.size
        while (true) {
            val left = 2 * i + 1
            if (left >= size) return
            val right = left + 1
            val child = if (right < size && earlier(heap[right], heap[left])) right else left
            if (!earlier(heap[child], heap[i])) return
            val swap = heap[i]
            heap[i] = heap[child]
            heap[child] = swap
            i = child
        }
    }

    /** Keeps the clock small enough for doubles to tell deadlines apart; the order is unchanged. */
    private fun restartClock() {
        for (i in deadlines.indices) deadlines[i] -= now
        now = 0.0
    }

    private companion object {
        const val RESTART_CLOCK_AT = 1e9

        /** Caps `1 / weight` so that a vanishing weight still gives a finite deadline. */
        const val MAX_STRIDE = 1e6
        const val GOLDEN = 0.6180339887498949

        /** The entry phase of the instance at [index], in (0, 1): golden-ratio steps, evenly spread for any count. */
        fun phase(index: Int): Double = (index * GOLDEN) % 1.0
    }
}
