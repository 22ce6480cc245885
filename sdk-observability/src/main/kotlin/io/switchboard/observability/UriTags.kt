package io.switchboard.observability

import io.switchboard.RequestContext
import org.slf4j.LoggerFactory
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.atomic.AtomicBoolean

/**
 * The `uri` tag of calls: the call's template (a proxy's route, a dispatch path, a spec endpoint's path, or
 * `RequestOptions.uriTemplate`), else its path without the query and with segments that look like ids (numbers,
 * UUIDs, long hex or mixed letters and digits) replaced by `{id}`; at most [max] distinct values, then `OTHER`.
 */
internal class UriTags(
    private val max: Int,
    private val what: String,
) {
    private val seen = ConcurrentHashMap.newKeySet<String>()
    private val warned = AtomicBoolean()

    fun of(context: RequestContext): String = bounded(context.uriTemplate ?: normalized(context.path))

    /** [value] while fewer than [max] distinct values were seen, else [OTHER]. */
    fun bounded(value: String): String {
        if (seen.contains(value)) return value
        if (seen.size >= max) {
            if (warned.compareAndSet(false, true)) {
                log.warn(
                    "{} has seen {} distinct uri tag values; new ones are tagged {} (give calls a uri template, or raise maxUriTags)",
                    what,
                    max,
                    OTHER,
                )
            }
            return OTHER
        }
        seen.add(value)
        return value
    }

    companion object {
        const val OTHER = "OTHER"
        private val log = LoggerFactory.getLogger(UriTags::class.java)

        /** [path] without its query, id-like segments as `{id}`. */
        fun normalized(path: String): String {
            val end = path.indexOf('?').let { if (it < 0) path.length else it }
            val out = StringBuilder(end + 8)
            var start = 0
            while (start < end) {
                var slash = path.indexOf('/', start + 1)
                if (slash < 0 || slash > end) slash = end
                val segment = path.substring(start, slash)
                // segment starts with '/' (or is the first piece of a path without one)
                val body = segment.removePrefix("/")
                if (body.isNotEmpty() && looksLikeId(body)) {
                    out.append(if (segment.startsWith("/")) "/{id}" else "{id}")
                } else {
                    out.append(segment)
                }
                start = slash
            }
            return if (out.isEmpty()) "/" else out.toString()
        }

        private fun looksLikeId(segment: String): Boolean {
            if (segment.all { it.isDigit() }) return true
            if (segment.length == 36 && segment.count { it == '-' } == 4 && segment.all { it == '-' || it.isHex() }) return true
            if (segment.length >= 16 && segment.all { it.isHex() }) return true
            val digits = segment.count { it.isDigit() }
            return segment.length >= 12 && digits >= 3 && segment.all { it.isLetterOrDigit() || it == '-' || it == '_' }
        }

        private fun Char.isHex(): Boolean = this in '0'..'9' || this in 'a'..'f' || this in 'A'..'F'
    }
}
