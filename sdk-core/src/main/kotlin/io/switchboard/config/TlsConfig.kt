package io.switchboard.config

import io.switchboard.ConfigurationException
import io.switchboard.tls.ClientTls
import io.switchboard.tls.KeyMaterial
import io.switchboard.tls.TrustMaterial

/** The keys of a `tls` section (`service-caller.tls`, `service-caller.services.<name>.tls`). */
internal val TLS_KEYS: List<String> =
    listOf(
        "trust-certificates",
        "trust-store",
        "trust-store-password",
        "trust-store-type",
        "certificate",
        "private-key",
        "private-key-password",
        "key-store",
        "key-store-password",
        "key-store-type",
        "key-alias",
        "hostname-verification",
    )

/**
 * A `tls` section as [ClientTls]: trust from `trust-certificates` (PEM) or `trust-store` (+ `trust-store-password`,
 * `trust-store-type`), the JVM's authorities when neither; a client certificate from `certificate` + `private-key`
 * (+ `private-key-password`) or `key-store` (+ `key-store-password`, `key-store-type`, `key-alias`);
 * `hostname-verification` (true by default). The files are read now: one that is missing or wrong fails here, naming
 * the key and the file.
 */
internal fun clientTls(section: ConfigSection): ClientTls {
    val builder = ClientTls.builder()
    val pem = section.path("trust-certificates")
    val store = section.path("trust-store")
    section.require(pem == null || store == null, "trust-store", "set trust-certificates or trust-store, not both")
    pem?.let { file -> builder.trust(read(section, "trust-certificates") { TrustMaterial.fromPem(file) }) }
    store?.let { file ->
        val password = section.string("trust-store-password") ?: ""
        val type = section.nonBlank("trust-store-type") ?: "PKCS12"
        builder.trust(read(section, "trust-store") { TrustMaterial.fromKeyStore(file, password, type) })
    }
    val certificate = section.path("certificate")
    val key = section.path("private-key")
    val keyStore = section.path("key-store")
    val missing = if (certificate == null) "certificate" else "private-key"
    section.require((certificate == null) == (key == null), missing, "certificate and private-key go together")
    section.require(certificate == null || keyStore == null, "key-store", "set certificate and private-key, or key-store, not both")
    if (certificate != null && key != null) {
        builder.identity(read(section, "certificate") { KeyMaterial.fromPem(certificate, key, section.string("private-key-password")) })
    }
    keyStore?.let { file ->
        val password = section.string("key-store-password") ?: ""
        val type = section.nonBlank("key-store-type") ?: "PKCS12"
        val alias = section.nonBlank("key-alias")
        builder.identity(read(section, "key-store") { KeyMaterial.fromKeyStore(file, password, type, alias) })
    }
    section.boolean("hostname-verification")?.let(builder::hostnameVerification)
    return read(section, null) { builder.build() }
}

/** [make]'s result; its [ConfigurationException] said again with the place in the configuration. */
private fun <T> read(
    section: ConfigSection,
    key: String?,
    make: () -> T,
): T =
    try {
        make()
    } catch (e: ConfigurationException) {
        section.require(false, key, e.message ?: e.toString())
        error("unreachable")
    }
