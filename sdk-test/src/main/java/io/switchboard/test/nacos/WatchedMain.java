package io.switchboard.test.nacos;

import java.lang.reflect.Method;
import java.util.Arrays;

/**
 * Runs another main class in a child JVM and ends that JVM when its parent process is gone, so that a
 * test run that is killed leaves no server behind.
 *
 * <p>Arguments: the parent's pid, the main class, then the main class's own arguments.
 */
public final class WatchedMain {
    private WatchedMain() {}

    /** Starts the watchdog, then the real main class. */
    public static void main(String[] args) throws Exception {
        long parentPid = Long.parseLong(args[0]);
        Thread watchdog = new Thread(
                () -> {
                    while (true) {
                        boolean alive = ProcessHandle.of(parentPid)
                                .map(ProcessHandle::isAlive)
                                .orElse(false);
                        if (!alive) {
                            Runtime.getRuntime().halt(0);
                        }
                        try {
                            Thread.sleep(500);
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                },
                "parent-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
        Method main = Class.forName(args[1]).getMethod("main", String[].class);
        main.invoke(null, (Object) Arrays.copyOfRange(args, 2, args.length));
    }
}
