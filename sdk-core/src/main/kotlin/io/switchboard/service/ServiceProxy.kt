package io.switchboard.service

import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.future.future
import kotlinx.coroutines.runBlocking
import java.lang.reflect.InvocationHandler
import java.lang.reflect.Method
import java.lang.reflect.Proxy
import kotlin.coroutines.Continuation
import kotlin.coroutines.intrinsics.startCoroutineUninterceptedOrReturn

/** Turns calls on a service interface into channel calls; each method is parsed once (by [ServiceDescriptor]). */
internal class ServiceProxy(
    private val descriptor: ServiceDescriptor,
    private val channel: ChannelCall,
    private val scope: CoroutineScope,
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
                block.startCoroutineUninterceptedOrReturn(continuation)
            }

            CallKind.FUTURE -> {
                val arguments = arrayOf(*all)
                scope.future { channel.call(descriptor, md, arguments) }
            }

            CallKind.BLOCKING -> {
                val arguments = arrayOf(*all)
                runBlocking { channel.call(descriptor, md, arguments) }
            }
        }
    }

    companion object {
        fun <T> create(
            type: Class<T>,
            descriptor: ServiceDescriptor,
            channel: ChannelCall,
            scope: CoroutineScope,
        ): T = type.cast(Proxy.newProxyInstance(type.classLoader, arrayOf(type), ServiceProxy(descriptor, channel, scope)))
    }
}
