package io.switchboard.spi

import io.switchboard.config.ConfigSection

/**
 * Makes a [ManagerExtension] from its own section of `service-caller` (`service-caller.observability`,
 * say), so YAML can turn it on. Modules provide one through `java.util.ServiceLoader`
 * (`META-INF/services/io.switchboard.spi.ExtensionProvider`). A section of Switchboard's own modules whose
 * provider is not on the classpath fails at load naming the module to add; any other unknown section is an
 * unknown key.
 */
public interface ExtensionProvider {
    /** The key of this extension's section under `service-caller`, such as `observability`. */
    public val name: String

    /**
     * Checks [section] when the configuration is loaded, so a bad value fails at load like every other
     * key; the default checks nothing.
     */
    public fun validate(section: ConfigSection) {}

    /** The extension [section] describes. */
    public fun create(section: ConfigSection): ManagerExtension
}
