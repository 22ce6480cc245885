package io.switchboard.service

import io.switchboard.ServiceManager
import io.switchboard.spi.Codec
import kotlinx.coroutines.CoroutineScope
import java.util.concurrent.ConcurrentHashMap

/**
 * Makes the proxies of a manager: picks each proxy's channel (the one asked for, the manager's
 * default, `local` for a local implementation, else per call from what the chosen instance advertises)
 * and keeps one [ChannelCall] per channel.
 */
internal class ServiceProxies(
    private val manager: ServiceManager,
    private val codec: Codec,
    private val defaultChannel: Channel?,
    localServices: Map<Class<*>, Any>,
    private val eagerValidation: Boolean,
    private val scope: CoroutineScope,
) {
    private val localServices: Map<Class<*>, Any> = LinkedHashMap(localServices)
    private val calls = ConcurrentHashMap<Channel, ChannelCall>()

    fun <T> create(
        type: Class<T>,
        channel: Channel?,
    ): T {
        val descriptor = ServiceDescriptor.of(type)
        if (eagerValidation) descriptor.validate()
        val chosen = channel ?: defaultChannel ?: if (localServices.containsKey(type)) Channel.LOCAL else null
        val call = if (chosen == null) AdvertisedChannelCall(manager, ::channelCall) else channelCall(chosen)
        return ServiceProxy.create(type, descriptor, call, scope, manager::callerContext)
    }

    private fun channelCall(channel: Channel): ChannelCall =
        calls.computeIfAbsent(channel) {
            when (channel) {
                Channel.REST -> RestCall(manager, codec)
                Channel.DISPATCH_JSON -> DispatchJsonCall(manager, codec)
                Channel.DISPATCH_MSGPACK -> BinaryDispatchCall(manager, BinaryDispatchFormat.MSGPACK)
                Channel.DISPATCH_PROTOBUF -> BinaryDispatchCall(manager, BinaryDispatchFormat.PROTOBUF)
                Channel.LOCAL -> LocalCall(localServices)
            }
        }
}
