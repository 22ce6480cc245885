package io.switchboard.cli

import kotlin.system.exitProcess

/** The `switchboard` executable: runs [Switchboard.run] on the process's streams and exits with its code. */
fun main(args: Array<String>) {
    exitProcess(Switchboard.run(args, terminal = Terminal.isInteractive()))
}
