package io.switchboard.auth

import kotlinx.coroutines.ThreadContextElement
import kotlinx.coroutines.currentCoroutineContext
import kotlin.coroutines.AbstractCoroutineContextElement
import kotlin.coroutines.CoroutineContext

/**
 * Who made the call a hosted implementation is running for, as the server's authenticator established it.
 *
 * A `ServiceServer` with authentication puts it in the coroutine context of every hosted call: Kotlin reads
 * it with [callerIdentity]; while the call's coroutine runs it is also the thread's [current], which is how a
 * Java implementation reads it (`CallerIdentity.current()`).
 *
 * @property name the caller's name: the token's owner, the signing key's id, the certificate's subject.
 * @property scheme how it was established: `bearer`, `hmac`, or an authenticator's own.
 * @property roles what the caller may do, as access rules test it.
 */
public class CallerIdentity
    @JvmOverloads
    constructor(
        public val name: String,
        public val scheme: String,
        public val roles: Set<String> = emptySet(),
    ) : AbstractCoroutineContextElement(Key),
        ThreadContextElement<CallerIdentity?> {
        init {
            require(name.isNotBlank()) { "name: '$name' (expected: a non-blank caller name)" }
        }

        /** Whether the caller has [role]. */
        public fun hasRole(role: String): Boolean = role in roles

        override fun updateThreadContext(context: CoroutineContext): CallerIdentity? {
            val previous = CURRENT.get()
            CURRENT.set(this)
            return previous
        }

        override fun restoreThreadContext(
            context: CoroutineContext,
            oldState: CallerIdentity?,
        ) {
            if (oldState == null) CURRENT.remove() else CURRENT.set(oldState)
        }

        override fun toString(): String = "CallerIdentity($name via $scheme${if (roles.isEmpty()) "" else ", roles $roles"})"

        /** The key of the element in a coroutine context, and the Java accessor. */
        public companion object Key : CoroutineContext.Key<CallerIdentity> {
            private val CURRENT = ThreadLocal<CallerIdentity?>()

            /** The identity of the call running on this thread; null when none (no authentication, or not in a hosted call). */
            @JvmStatic
            public fun current(): CallerIdentity? = CURRENT.get()
        }
    }

/** The identity of the caller of the hosted call this coroutine runs for; null when the server authenticates no one. */
public suspend fun callerIdentity(): CallerIdentity? = currentCoroutineContext()[CallerIdentity]
