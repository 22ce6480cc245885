package io.switchboard.cli

import io.switchboard.internal.levenshtein

/** What to say when a service name is not known: the known names, and the closest one when a typo is likely. */
object ServiceNames {
    private const val LISTED = 10

    /** `unknown service 'ordrs' (known: orders, users; did you mean 'orders'?)`, from the names [known] in [where]. */
    fun unknown(
        name: String,
        known: Collection<String>,
        where: String,
    ): String {
        if (known.isEmpty()) return "unknown service '$name' ($where lists no services)"
        val sorted = known.sorted()
        val listed = sorted.take(LISTED).joinToString(", ") + if (sorted.size > LISTED) ", … ${sorted.size - LISTED} more" else ""
        val closest = closest(name, known)
        return "unknown service '$name' (known: $listed" + (closest?.let { "; did you mean '$it'?" } ?: "") + ")"
    }

    /** The name in [candidates] nearest to [name], if it is near enough to be a typo of it. */
    fun closest(
        name: String,
        candidates: Collection<String>,
    ): String? =
        candidates
            .map { it to levenshtein(name.lowercase(), it.lowercase()) }
            .filter { (candidate, d) -> d <= maxOf(2, minOf(name.length, candidate.length) / 3) }
            .minWithOrNull(compareBy({ it.second }, { it.first }))
            ?.first
}
