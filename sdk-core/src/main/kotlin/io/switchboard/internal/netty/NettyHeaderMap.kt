package io.switchboard.internal.netty

import io.netty.handler.codec.http.HttpHeaders
import io.switchboard.internal.HeaderLookup

/**
 * A response's headers as the read-only map [io.switchboard.ResponseInfo] exposes, read through from
 * Netty's: a call that never looks at them (most calls: the status decides) copies nothing, a lookup by
 * name goes straight to Netty's case-insensitive index, and only iterating builds the map of names as
 * the server spelled them, once.
 */
internal class NettyHeaderMap(
    private val headers: HttpHeaders,
) : AbstractMap<String, List<String>>(),
    HeaderLookup {
    private val copy: Map<String, List<String>> by lazy(LazyThreadSafetyMode.PUBLICATION) {
        val map = LinkedHashMap<String, List<String>>(headers.size() * 2)
        for (name in headers.names()) map[name] = headers.getAll(name)
        map
    }

    override val entries: Set<Map.Entry<String, List<String>>> get() = copy.entries

    override val size: Int get() = copy.size

    override fun get(key: String): List<String>? = copy[key]

    override fun containsKey(key: String): Boolean = copy.containsKey(key)

    override fun isEmpty(): Boolean = headers.isEmpty

    override fun first(name: String): String? = headers.get(name)
}
