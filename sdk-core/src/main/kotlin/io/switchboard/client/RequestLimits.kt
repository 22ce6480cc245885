package io.switchboard.client

import io.switchboard.RequestContext
import io.switchboard.SwitchboardException
import io.switchboard.spi.Interceptor
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import kotlinx.coroutines.delay
import kotlinx.coroutines.launch
import kotlinx.coroutines.sync.Semaphore
import kotlinx.coroutines.withTimeoutOrNull
import java.time.Duration
import java.util.concurrent.atomic.AtomicInteger

/** A call was refused by a pool or rate limit. */
public open class RequestLimitException(
    message: String,
) : SwitchboardException(message)

/** A call was refused because [limit] calls were already waiting. */
public class TooManyPendingException(
    message: String,
    /** The hard limit of waiting calls. */
    public val limit: Int,
) : RequestLimitException(message)

/** A call waited longer than [timeout] and was given up. */
public class TooLongPendingException(
    message: String,
    /** The pending timeout. */
    public val timeout: Duration,
) : RequestLimitException(message)

/** Permits with a hard limit of waiting calls and a waiting timeout; shared by the pool and the rate limit. */
internal class PermitGate(
    permits: Int,
    private val maxPending: Int,
    private val pendingTimeout: Duration?,
    private val what: String,
) {
    private val semaphore = Semaphore(permits)
    private val pending = AtomicInteger()

    /** Takes a permit and returns how long that took. */
    suspend fun acquire(context: RequestContext): Duration {
        if (semaphore.tryAcquire()) return Duration.ZERO
        val call = "${context.method} ${context.serviceName}${context.path}"
        if (pending.incrementAndGet() > maxPending) {
            pending.decrementAndGet()
            throw TooManyPendingException(
                "$call refused: $maxPending calls are already waiting for the $what (its hard limit); slow down or raise maxPending",
                maxPending,
            )
        }
        val started = System.nanoTime()
        try {
            val timeout = pendingTimeout
            if (timeout == null) {
                semaphore.acquire()
            } else {
                var acquired = false
                withTimeoutOrNull(timeout.toMillis()) {
                    semaphore.acquire()
                    acquired = true
                }
                if (!acquired) {
                    throw TooLongPendingException(
                        "$call waited ${timeout.toMillis()} ms for the $what and was given up; raise pendingTimeout",
                        timeout,
                    )
                }
            }
        } finally {
            pending.decrementAndGet()
        }
        return Duration.ofNanos(System.nanoTime() - started)
    }

    fun release() = semaphore.release()

    val waiting: Int get() = pending.get()
}

/**
 * Limits how many calls run at once. Calls beyond [maxConcurrent] wait; when [maxPending] are already
 * waiting a call fails with [TooManyPendingException], and one that waits longer than [pendingTimeout]
 * fails with [TooLongPendingException]. The time each call waited is recorded as [BLOCKED]
 * (`ClientResponse.blockedByPool`).
 */
public class PoolPlugin
    @JvmOverloads
    constructor(
        maxConcurrent: Int,
        maxPending: Int = Int.MAX_VALUE,
        pendingTimeout: Duration? = null,
    ) : Interceptor {
        init {
            require(maxConcurrent > 0) { "maxConcurrent: $maxConcurrent (expected: > 0)" }
            require(maxPending >= 0) { "maxPending: $maxPending (expected: >= 0)" }
        }

        private val gate = PermitGate(maxConcurrent, maxPending, pendingTimeout, "pool")

        override val name: String get() = "Pool"
        override val order: Int get() = -10_000

        /** How many calls are waiting now. */
        public val waiting: Int get() = gate.waiting

        override suspend fun beforeRequest(context: RequestContext) {
            val blocked = gate.acquire(context)
            context.attributes[HELD] = true
            context.attributes[BLOCKED] = blocked
        }

        override suspend fun afterResponse(context: RequestContext) {
            if (context.attributes.remove(HELD) != null) gate.release()
        }

        override suspend fun handleException(context: RequestContext) {
            if (context.attributes.remove(HELD) != null) gate.release()
        }

        /** Attribute names. */
        public companion object {
            /** How long the call waited for the pool (a `java.time.Duration`). */
            public const val BLOCKED: String = "switchboard.blockedByPool"
            private const val HELD = "switchboard.poolPermit"
        }
    }

/**
 * Limits how many calls start per [period]: at most [limit] in any window of that length. Calls beyond
 * it wait, with the same [maxPending] and [pendingTimeout] limits as [PoolPlugin]. The time each call
 * waited is recorded as [BLOCKED] (`ClientResponse.blockedByRateLimit`).
 */
public class RateLimitPlugin
    @JvmOverloads
    constructor(
        limit: Int,
        private val period: Duration,
        maxPending: Int = Int.MAX_VALUE,
        pendingTimeout: Duration? = null,
    ) : Interceptor,
        AutoCloseable {
        init {
            require(limit > 0) { "limit: $limit (expected: > 0)" }
            require(!period.isNegative && !period.isZero) { "period: $period (expected: > 0)" }
        }

        private val gate = PermitGate(limit, maxPending, pendingTimeout, "rate limit")
        private val scope = CoroutineScope(SupervisorJob() + Dispatchers.Default)

        override val name: String get() = "RateLimit"

        /** How many calls are waiting now. */
        public val waiting: Int get() = gate.waiting
        override val order: Int get() = -9_000

        override suspend fun beforeRequest(context: RequestContext) {
            val blocked = gate.acquire(context)
            context.attributes[BLOCKED] = blocked
            // each permit comes back one period after it was taken
            scope.launch {
                delay(period.toMillis())
                gate.release()
            }
        }

        /** Stops returning permits. */
        override fun close() {
            scope.cancel()
        }

        /** Attribute names. */
        public companion object {
            /** How long the call waited for the rate limit (a `java.time.Duration`). */
            public const val BLOCKED: String = "switchboard.blockedByRateLimit"
        }
    }
