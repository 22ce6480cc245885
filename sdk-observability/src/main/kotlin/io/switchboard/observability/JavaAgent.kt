package io.switchboard.observability

/**
 * Whether the OpenTelemetry Java agent is attached: its entry class is on the system class path then (the
 * agent jar is added to it), whatever the application's own class loaders hold.
 */
internal object JavaAgent {
    val attached: Boolean by lazy {
        try {
            Class.forName("io.opentelemetry.javaagent.OpenTelemetryAgent", false, ClassLoader.getSystemClassLoader())
            true
        } catch (_: ClassNotFoundException) {
            false
        } catch (_: LinkageError) {
            false
        }
    }
}
