package io.switchboard.config

import io.switchboard.spi.RegistryProvider
import java.util.ServiceLoader

/** The registry adapters on the classpath, by the name of their `app-registry` section. */
internal object RegistryProviders {
    private val loaded: Map<String, RegistryProvider> by lazy {
        ServiceLoader
            .load(RegistryProvider::class.java, RegistryProvider::class.java.classLoader)
            .associateByTo(LinkedHashMap()) { it.name }
    }

    fun all(): Map<String, RegistryProvider> = loaded
}

/** The extension providers on the classpath, by the name of their `service-caller` section. */
internal object ExtensionProviders {
    /** Sections the project's own modules provide, with the module to add when it is missing. */
    val known: Map<String, String> = mapOf("observability" to "io.switchboard:sdk-observability")

    private val loaded: Map<String, io.switchboard.spi.ExtensionProvider> by lazy {
        ServiceLoader
            .load(io.switchboard.spi.ExtensionProvider::class.java, io.switchboard.spi.ExtensionProvider::class.java.classLoader)
            .associateByTo(LinkedHashMap()) { it.name }
    }

    fun all(): Map<String, io.switchboard.spi.ExtensionProvider> = loaded

    /** Every section name an extension may have: the loaded ones and the project's own. */
    fun names(): Set<String> = loaded.keys + known.keys
}
