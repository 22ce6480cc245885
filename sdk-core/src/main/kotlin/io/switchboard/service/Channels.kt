package io.switchboard.service

import io.ktor.http.encodeURLPathPart
import io.switchboard.BodyType
import io.switchboard.InternalSwitchboardApi
import io.switchboard.RequestOptions
import io.switchboard.ServiceInstance
import io.switchboard.ServiceManager
import io.switchboard.spi.Codec
import kotlinx.coroutines.future.await
import java.lang.reflect.InvocationTargetException
import kotlin.coroutines.intrinsics.suspendCoroutineUninterceptedOrReturn

/** How a proxy call travels: `rest`, `dispatch-json`, `dispatch-msgpack`, `dispatch-protobuf` or `local`. */
public enum class Channel(
    /** The channel's name in configuration and registry metadata. */
    public val id: String,
) {
    /** The annotated HTTP mapping (`@Get`, `@Post`, …). */
    REST("rest"),

    /** One generic POST per method with the arguments as a JSON array. */
    DISPATCH_JSON("dispatch-json"),

    /** One generic POST per method with the arguments as a MessagePack message. */
    DISPATCH_MSGPACK("dispatch-msgpack"),

    /** One generic POST per method with the arguments as a Protocol Buffers message. */
    DISPATCH_PROTOBUF("dispatch-protobuf"),

    /** A direct call of an implementation registered in the same manager; no HTTP. */
    LOCAL("local"),
}

/** Sends one proxy call over a channel. */
internal interface ChannelCall {
    /** Sends the call; to [instance] when given (and still eligible), else to the balancer's choice. */
    suspend fun call(
        descriptor: ServiceDescriptor,
        method: MethodDescriptor,
        args: Array<Any?>,
        instance: ServiceInstance? = null,
    ): Any?
}

internal class RestCall(
    private val manager: ServiceManager,
    private val codec: Codec,
) : ChannelCall {
    override suspend fun call(
        descriptor: ServiceDescriptor,
        method: MethodDescriptor,
        args: Array<Any?>,
        instance: ServiceInstance?,
    ): Any? {
        val http =
            method.httpMethod ?: throw io.switchboard.ConfigurationException(
                "${method.qualifiedName} has no @Get/@Post/@Put/@Delete/@Patch, so it cannot go over the rest channel (annotate it, or use dispatch-json)",
            )
        var path = method.path!!
        val options = RequestOptions.builder()
        method.parameters.forEachIndexed { i, p ->
            val value = args[i]
            when (p.role) {
                ParameterRole.PATH -> path = path.replace("{${p.name}}", scalar(value).encodeURLPathPart())
                ParameterRole.QUERY -> if (value != null) options.query(p.name, *queryValues(value))
                ParameterRole.HEADER -> if (value != null) options.header(p.name, scalar(value))
                ParameterRole.BODY -> options.json(value, p.type)
            }
        }
        options.uriTemplate = method.path
        return exchange(manager, http, descriptor, method, path, options.retryOf(method).build(), instance) {
            decodeResult(codec, method.resultType, it)
        }
    }

    private fun scalar(value: Any?): String = value?.toString() ?: ""

    private fun queryValues(value: Any): Array<String> =
        when (value) {
            is Collection<*> -> value.map { it.toString() }.toTypedArray()
            is Array<*> -> value.map { it.toString() }.toTypedArray()
            else -> arrayOf(value.toString())
        }
}

internal class DispatchJsonCall(
    private val manager: ServiceManager,
    private val codec: Codec,
) : ChannelCall {
    override suspend fun call(
        descriptor: ServiceDescriptor,
        method: MethodDescriptor,
        args: Array<Any?>,
        instance: ServiceInstance?,
    ): Any? {
        val body = encodeArguments(codec, method, args)
        val path = DispatchProtocol.path(descriptor.name, method.name)
        val options =
            RequestOptions
                .builder()
                .bytes(body, "application/json")
                .uriTemplate(path)
                .retryOf(method)
                .build()
        return exchange(manager, "POST", descriptor, method, path, options, instance) {
            decodeResult(codec, method.resultType, it)
        }
    }
}

internal class BinaryDispatchCall(
    private val manager: ServiceManager,
    private val format: BinaryDispatchFormat,
) : ChannelCall {
    override suspend fun call(
        descriptor: ServiceDescriptor,
        method: MethodDescriptor,
        args: Array<Any?>,
        instance: ServiceInstance?,
    ): Any? {
        val path = DispatchProtocol.path(descriptor.name, method.name)
        val options =
            RequestOptions
                .builder()
                .bytes(format.encodeArguments(method, args), format.contentType)
                .uriTemplate(path)
                .retryOf(method)
                .build()
        return exchange(
            manager,
            "POST",
            descriptor,
            method,
            path,
            options,
            instance,
        ) { bytes ->
            val result = format.decodeResult(method, bytes)
            if (method.resultType.rawClass == Unit::class.java) Unit else result
        }
    }
}

/**
 * Picks the channel per call from what the instance the balancer chooses advertises in its registry
 * metadata (`channels`, in the server's order of preference), and sends the call to that instance;
 * instances that advertise nothing are plain HTTP services, reached over `rest` (or `dispatch-json` for
 * a method without an HTTP mapping).
 */
internal class AdvertisedChannelCall(
    private val manager: ServiceManager,
    private val calls: (Channel) -> ChannelCall,
) : ChannelCall {
    override suspend fun call(
        descriptor: ServiceDescriptor,
        method: MethodDescriptor,
        args: Array<Any?>,
        instance: ServiceInstance?,
    ): Any? {
        // the channel of the instance the balancer picks, and the call goes to that instance; with no instance to pick,
        // the call goes through the pipeline unpinned, which reports it (interceptors' handleException included)
        val chosen = manager.chooseInstanceOrNull(descriptor.name)
        val advertised = chosen?.metadata?.get(DispatchProtocol.CHANNELS_METADATA)
        val channel =
            if (advertised == null) {
                if (method.httpMethod != null) Channel.REST else Channel.DISPATCH_JSON
            } else {
                advertised
                    .split(',')
                    .mapNotNull { id -> Channel.entries.firstOrNull { it.id == id.trim() } }
                    .firstOrNull { it != Channel.LOCAL && (it != Channel.REST || method.httpMethod != null) }
                    ?: Channel.DISPATCH_JSON
            }
        return calls(channel).call(descriptor, method, args, chosen)
    }
}

internal class LocalCall(
    private val implementations: Map<Class<*>, Any>,
) : ChannelCall {
    override suspend fun call(
        descriptor: ServiceDescriptor,
        method: MethodDescriptor,
        args: Array<Any?>,
        instance: ServiceInstance?,
    ): Any? {
        val target =
            implementations[descriptor.type] ?: throw io.switchboard.ConfigurationException(
                "no local implementation of ${descriptor.type.name} (register one with localService(…), or use another channel)",
            )
        return invokeImplementation(target, method, args)
    }
}

/** The method's `@Idempotent` and `@Retry` (a proxy call has no options of its own to override them). */
private fun RequestOptions.Builder.retryOf(method: MethodDescriptor): RequestOptions.Builder =
    apply {
        method.idempotent?.let(::idempotent)
        retryOverrides = method.retry
    }

/** Sends one channel call and decodes a 2xx body with [decode]; other statuses become [RemoteServiceException]. */
private suspend fun exchange(
    manager: ServiceManager,
    http: String,
    descriptor: ServiceDescriptor,
    method: MethodDescriptor,
    path: String,
    options: RequestOptions,
    instance: ServiceInstance?,
    decode: (ByteArray) -> Any?,
): Any? =
    manager.exchange(http, descriptor.name, path, options, emptyMap(), instance) { response, _ ->
        val bytes = response.bytes()
        if (response.status !in 200..299) throw remoteFailure(descriptor, method, response.status, bytes)
        decode(bytes)
    }

/** The typed failure for a non-2xx answer: the remote error if the body is one, else the status and body. */
internal fun remoteFailure(
    descriptor: ServiceDescriptor,
    method: MethodDescriptor,
    status: Int,
    bytes: ByteArray,
): RemoteServiceException {
    val text = bytes.decodeToString()
    val remote = DispatchProtocol.parseError(text)
    return RemoteServiceException(
        descriptor.name,
        method.name,
        remote?.type ?: "HTTP $status",
        remote?.message ?: text.take(512),
        status,
        remote?.id,
    )
}

/** Encodes arguments as the JSON array the dispatch channel sends. */
@InternalSwitchboardApi
public fun encodeArguments(
    codec: Codec,
    method: MethodDescriptor,
    args: Array<Any?>,
): ByteArray {
    val out = java.io.ByteArrayOutputStream()
    out.write('['.code)
    method.parameters.forEachIndexed { i, p ->
        if (i > 0) out.write(','.code)
        out.write(codec.encode(args[i], p.type))
    }
    out.write(']'.code)
    return out.toByteArray()
}

/** Decodes a dispatch result. */
internal fun decodeResult(
    codec: Codec,
    type: BodyType,
    bytes: ByteArray,
): Any? {
    val raw = type.rawClass
    return when {
        raw == Unit::class.java -> Unit
        raw == Void::class.java || raw == Void.TYPE -> null
        bytes.isEmpty() -> null
        else -> codec.decode(bytes, type)
    }
}

/**
 * Calls [method] on [target] with [args], whatever its kind (suspend, CompletableFuture, blocking),
 * and returns the result; the implementation's own exception comes out as itself. Cancelled, a suspend
 * implementation is cancelled, a future one's future cancelled and a blocking one's thread interrupted.
 */
@InternalSwitchboardApi
public suspend fun invokeImplementation(
    target: Any,
    method: MethodDescriptor,
    args: Array<Any?>,
): Any? {
    val javaMethod = method.method.also { if (!it.canAccess(target)) it.isAccessible = true }
    return try {
        when (method.kind) {
            CallKind.SUSPEND -> {
                suspendCoroutineUninterceptedOrReturn { continuation -> javaMethod.invoke(target, *args, continuation) }
            }

            CallKind.FUTURE -> {
                val future =
                    kotlinx.coroutines.withContext(kotlinx.coroutines.Dispatchers.IO) {
                        javaMethod.invoke(target, *args)
                    } as java.util.concurrent.CompletableFuture<*>
                future.await()
            }

            CallKind.BLOCKING -> {
                // cancelled (its caller gone, its deadline passed), a blocking implementation is interrupted
                kotlinx.coroutines.runInterruptible(kotlinx.coroutines.Dispatchers.IO) { javaMethod.invoke(target, *args) }
            }
        }
    } catch (e: InvocationTargetException) {
        throw e.targetException
    } catch (e: java.util.concurrent.CompletionException) {
        throw e.cause ?: e
    }
}
