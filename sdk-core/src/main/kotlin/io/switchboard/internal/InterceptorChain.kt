package io.switchboard.internal

import io.switchboard.spi.Interceptor

/**
 * The manager's interceptors, kept as an immutable sorted snapshot: a call reads the snapshot once, so
 * adding or removing interceptors never disturbs calls in flight.
 */
internal class InterceptorChain(
    initial: List<Interceptor>,
) {
    @Volatile
    var snapshot: List<Interceptor> = emptyList()
        private set

    init {
        initial.forEach(::add)
    }

    @Synchronized
    fun add(interceptor: Interceptor): Boolean {
        if (snapshot.any { it.name == interceptor.name }) return false
        // sortedBy is stable: equal orders keep insertion order
        snapshot = (snapshot + interceptor).sortedBy { it.order }
        return true
    }

    @Synchronized
    fun remove(name: String): Boolean {
        val kept = snapshot.filterNot { it.name == name }
        val removed = kept.size != snapshot.size
        snapshot = kept
        return removed
    }

    @Synchronized
    fun clear() {
        snapshot = emptyList()
    }
}
