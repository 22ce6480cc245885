package io.switchboard.internal

/** The name of [known] closest to [name] (case-insensitive edit distance), if one is close enough to be a typo. */
internal fun closestName(
    name: String,
    known: Collection<String>,
): String? =
    known
        .map { it to levenshtein(name.lowercase(), it.lowercase()) }
        .filter { it.second <= maxOf(2, name.length / 3) }
        .minByOrNull { it.second }
        ?.first

/** The edit distance between [a] and [b] (shared with the command line's name suggestions). */
@io.switchboard.InternalSwitchboardApi
public fun levenshtein(
    a: String,
    b: String,
): Int {
    var previous = IntArray(b.length + 1) { it }
    for (i in 1..a.length) {
        val current = IntArray(b.length + 1)
        current[0] = i
        for (j in 1..b.length) {
            val cost = if (a[i - 1] == b[j - 1]) 0 else 1
            current[j] = minOf(current[j - 1] + 1, previous[j] + 1, previous[j - 1] + cost)
        }
        previous = current
    }
    return previous[b.length]
}
