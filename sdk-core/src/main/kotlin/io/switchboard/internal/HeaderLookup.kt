package io.switchboard.internal

/** A header map that finds a header by name, case-insensitively, faster than scanning its entries. */
internal interface HeaderLookup {
    /** The first value of header [name], or null. */
    fun first(name: String): String?
}
