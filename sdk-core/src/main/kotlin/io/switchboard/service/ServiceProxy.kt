package io.switchboard.service

import io.switchboard.SwitchboardException
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.future.future
import kotlinx.coroutines.isActive
import java.lang.reflect.InvocationHandler
import java.lang.reflect.Method
import java.lang.reflect.Proxy
import kotlin.coroutines.Continuation
import kotlin.coroutines.intrinsics.COROUTINE_SUSPENDED
import kotlin.coroutines.intrinsics.intercepted
import kotlin.coroutines.intrinsics.startCoroutineUninterceptedOrReturn
import kotlin.coroutines.resumeWithException

/** Turns calls on a service interface into channel calls; each method is parsed once (by [ServiceDescriptor]). */
internal class ServiceProxy(
    private val descriptor: ServiceDescriptor,
    private val channel: ChannelCall,
    private val scope: CoroutineScope,
    /** What a call started from blocking code carries into its coroutine (the manager's `callerContext`). */
    private val callerContext: () -> kotlin.coroutines.CoroutineContext,
) : InvocationHandler {
    override fun invoke(
        proxy: Any,
        method: Method,
        args: Array<out Any?>?,
    ): Any? {
        if (method.declaringClass == Any::class.java) {
            return when (method.name) {
                "equals" -> proxy === args?.get(0)
                "hashCode" -> System.identityHashCode(proxy)
                else -> "proxy of ${descriptor.type.name} (service ${descriptor.name})"
            }
        }
        val md = descriptor.method(method)
        val all = args ?: emptyArray()
        return when (md.kind) {
            CallKind.SUSPEND -> {
                @Suppress("UNCHECKED_CAST")
                val continuation = all.last() as Continuation<Any?>
                val arguments: Array<Any?> = arrayOf(*all.copyOfRange(0, all.size - 1))
                val block: suspend () -> Any? = { channel.call(descriptor, md, arguments) }
                try {
                    block.startCoroutineUninterceptedOrReturn(continuation)
                } catch (e: Throwable) {
                    // delivered through the continuation, so a checked exception is not wrapped by the JDK proxy
                    continuation.intercepted().resumeWithException(e)
                    COROUTINE_SUSPENDED
                }
            }

            CallKind.FUTURE -> {
                val arguments = arrayOf(*all)
                // a Java caller's thread may carry the deadline of the call it serves
                scope.future(callerContext()) { channel.call(descriptor, md, arguments) }
            }

            CallKind.BLOCKING -> {
                val arguments = arrayOf(*all)
                // a blocking method blocks its caller: the call starts on this thread (interceptors see it) and resumes
                // wherever the transport completes it, so no pool thread is needed while this one waits
                if (!scope.isActive) throw SwitchboardException("this ServiceManager is closed (build a new one)")
                val context = Dispatchers.Unconfined + callerContext()
                val call = scope.future(context, CoroutineStart.UNDISPATCHED) { channel.call(descriptor, md, arguments) }
                try {
                    try {
                        call.get()
                    } catch (e: java.util.concurrent.ExecutionException) {
                        throw e.cause ?: e
                    }
                } catch (e: InterruptedException) {
                    call.cancel(true)
                    Thread.currentThread().interrupt()
                    throw SwitchboardException("${md.qualifiedName} was interrupted", e)
                } catch (e: Exception) {
                    if (e is RuntimeException || method.exceptionTypes.any { it.isInstance(e) }) throw e
                    throw SwitchboardException("${md.qualifiedName} failed: $e", e)
                }
            }
        }
    }

    companion object {
        fun <T> create(
            type: Class<T>,
            descriptor: ServiceDescriptor,
            channel: ChannelCall,
            scope: CoroutineScope,
            callerContext: () -> kotlin.coroutines.CoroutineContext,
        ): T = type.cast(Proxy.newProxyInstance(type.classLoader, arrayOf(type), ServiceProxy(descriptor, channel, scope, callerContext)))
    }
}
