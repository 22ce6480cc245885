package io.switchboard.cli

import java.io.PrintWriter

/**
 * A table for people: a header row and aligned columns, each as wide as its widest cell. Cells may be painted
 * (ANSI colours do not count toward the width); the last column is not padded.
 */
class Table(
    private val headers: List<String>,
) {
    private val rows = mutableListOf<List<String>>()

    /** Adds a row of [cells], one per header. */
    fun row(vararg cells: String) {
        require(cells.size == headers.size) { "cells: ${cells.size} (expected: ${headers.size}, one per column)" }
        rows += cells.toList()
    }

    /** Whether no row was added. */
    val isEmpty: Boolean get() = rows.isEmpty()

    /** Writes the table to [out], headers in bold. */
    fun print(
        out: PrintWriter,
        terminal: Terminal,
    ) {
        val widths = headers.indices.map { c -> maxOf(headers[c].length, rows.maxOfOrNull { Terminal.visibleLength(it[c]) } ?: 0) }
        out.println(line(headers.map(terminal::bold), widths))
        rows.forEach { out.println(line(it, widths)) }
        out.flush()
    }

    private fun line(
        cells: List<String>,
        widths: List<Int>,
    ): String =
        cells
            .mapIndexed { c, cell ->
                if (c == cells.lastIndex) cell else cell + " ".repeat(widths[c] - Terminal.visibleLength(cell) + GAP)
            }.joinToString("")
            .trimEnd()

    private companion object {
        private const val GAP = 2
    }
}
