package io.switchboard

import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.ThreadContextElement
import kotlinx.coroutines.currentCoroutineContext
import kotlinx.coroutines.withContext
import java.time.Duration
import java.util.function.Supplier
import kotlin.coroutines.AbstractCoroutineContextElement
import kotlin.coroutines.CoroutineContext

/**
 * A deadline that the calls made within it inherit: each call ends by it, or by its own `requestTimeout`
 * when that comes first, and sends what remains to the callee (header [SwitchboardHeaders.TIMEOUT]).
 *
 * It rides in the coroutine context. A `ServiceServer` puts one there for every hosted call that came
 * with a deadline (or that its `maxRequestTimeout` bounds), so an implementation's own calls inherit
 * what remains of its caller's time, with no code of its own. Kotlin code sets one with
 * [withCallDeadline]; Java code with [within].
 *
 * While a coroutine carrying it runs, it is also the calling thread's [current] deadline: Java code
 * running there (a hosted Java implementation, say) sees it, and the calls it starts through
 * `manager.async()`, `ServiceClient`'s futures and proxies inherit it. A call started from another
 * thread (a `thenCompose` stage on a pool thread) does not: pass `current().remaining()` as its
 * timeout there.
 *
 * @property timeout the time this deadline was given when it was set (the header's value, say), for messages.
 */
public class CallDeadline private constructor(
    public val timeout: Duration,
    /** The [System.nanoTime] reading at which it passes. */
    internal val endNanos: Long,
) : AbstractCoroutineContextElement(Key),
    ThreadContextElement<CallDeadline?> {
    /** What remains, never negative. */
    public fun remaining(): Duration = Duration.ofNanos(remainingNanos())

    /** Whether it has passed. */
    public val isExpired: Boolean get() = remainingNanos() == 0L

    /** Nanoseconds left, at least 0. */
    internal fun remainingNanos(): Long = maxOf(0L, endNanos - System.nanoTime())

    /** Whether this one passes before [other] (or with it). */
    internal fun notLaterThan(other: CallDeadline): Boolean = endNanos - other.endNanos <= 0

    /** Installs this deadline as the thread's [current] while a coroutine carrying it runs there. */
    override fun updateThreadContext(context: CoroutineContext): CallDeadline? {
        val previous = CURRENT.get()
        CURRENT.set(this)
        return previous
    }

    /** Puts back what the thread had before. */
    override fun restoreThreadContext(
        context: CoroutineContext,
        oldState: CallDeadline?,
    ) {
        if (oldState == null) CURRENT.remove() else CURRENT.set(oldState)
    }

    override fun toString(): String = "CallDeadline(${timeout.toMillis()} ms, ${remaining().toMillis()} ms left)"

    /** The key of the element in a coroutine context, and the factories. */
    public companion object Key : CoroutineContext.Key<CallDeadline> {
        private val CURRENT = ThreadLocal<CallDeadline?>()

        /**
         * The deadline of the coroutine running on this thread, or null when there is none (or no coroutine
         * carrying one runs here). From Java, inside a hosted implementation: `CallDeadline.current()`.
         */
        @JvmStatic
        public fun current(): CallDeadline? = CURRENT.get()

        /** A deadline [timeout] from now (a zero or negative timeout has passed already). */
        @JvmStatic
        public fun after(timeout: Duration): CallDeadline = CallDeadline(timeout, System.nanoTime() + cappedNanos(timeout))

        /** [timeout] in nanoseconds, at most about 73 years, so that adding it to a [System.nanoTime] reading cannot overflow. */
        private fun cappedNanos(timeout: Duration): Long =
            if (timeout.seconds >= MAX_SECONDS) MAX_SECONDS * 1_000_000_000L else timeout.toNanos()

        private const val MAX_SECONDS = Long.MAX_VALUE / 4 / 1_000_000_000L

        /**
         * Java twin of [withCallDeadline]: runs [block] on this thread with a deadline [timeout] from now as
         * the thread's [current] one (or the current one, when that passes first), so the calls [block]
         * starts (through `manager.async()`, a `ServiceClient`'s futures, proxies) inherit it. It does not
         * stop [block]; the calls end by it.
         *
         * ```java
         * CompletableFuture<User> user = CallDeadline.within(Duration.ofMillis(300),
         *     () -> manager.async().get("user-service", "/users/42", User.class));
         * ```
         */
        @JvmStatic
        public fun <T> within(
            timeout: Duration,
            block: Supplier<T>,
        ): T {
            val previous = CURRENT.get()
            val mine = after(timeout)
            CURRENT.set(if (previous != null && previous.notLaterThan(mine)) previous else mine)
            try {
                return block.get()
            } finally {
                if (previous == null) CURRENT.remove() else CURRENT.set(previous)
            }
        }

        /** The earlier of [inherited] (or none) and a deadline [timeout] from now. */
        internal fun earlier(
            inherited: CallDeadline?,
            timeout: Duration,
        ): CallDeadline {
            val mine = after(timeout)
            return if (inherited != null && inherited.notLaterThan(mine)) inherited else mine
        }
    }
}

/**
 * Runs [block] with a deadline [timeout] from now in its coroutine context, so every call made within it
 * (through a manager, a `ServiceClient` or a proxy, here or in coroutines it starts) ends by then, or by
 * its own `requestTimeout` when that comes first, and sends what remains to the callee. Nested, the
 * earlier deadline wins. It does not cancel [block] itself: its calls fail with a
 * [ServiceTimeoutException] once the deadline has passed.
 */
public suspend fun <T> withCallDeadline(
    timeout: Duration,
    block: suspend CoroutineScope.() -> T,
): T = withContext(CallDeadline.earlier(currentCoroutineContext()[CallDeadline], timeout), block)
