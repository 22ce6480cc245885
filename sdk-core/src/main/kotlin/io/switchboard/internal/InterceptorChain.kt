package io.switchboard.internal

/**
 * A manager's interceptors of one kind, kept as an immutable sorted snapshot: a call reads the snapshot
 * once, so adding or removing interceptors never disturbs calls in flight.
 */
internal class InterceptorChain<T : Any>(
    initial: List<T>,
    private val nameOf: (T) -> String,
    private val orderOf: (T) -> Int,
) {
    @Volatile
    var snapshot: List<T> = emptyList()
        private set

    init {
        initial.forEach(::add)
    }

    @Synchronized
    fun add(interceptor: T): Boolean {
        val name = nameOf(interceptor)
        if (snapshot.any { nameOf(it) == name }) return false
        // sortedBy is stable: equal orders keep insertion order
        snapshot = (snapshot + interceptor).sortedBy(orderOf)
        return true
    }

    @Synchronized
    fun remove(name: String): Boolean {
        val kept = snapshot.filterNot { nameOf(it) == name }
        val removed = kept.size != snapshot.size
        snapshot = kept
        return removed
    }

    @Synchronized
    fun clear() {
        snapshot = emptyList()
    }
}
