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
