package io.switchboard.service

import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.engine.spec.tempdir
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.kotest.matchers.string.shouldStartWith
import io.switchboard.ConfigurationException
import io.switchboard.HttpEngine
import io.switchboard.ServiceManager
import io.switchboard.ServiceManagerBuilder
import io.switchboard.SwitchboardException
import io.switchboard.config.SwitchboardConfig
import io.switchboard.server.ServerTls
import io.switchboard.server.ServiceServer
import io.switchboard.server.auth.CertificateAuthenticator
import io.switchboard.server.host
import io.switchboard.tls.ClientTls
import io.switchboard.tls.KeyMaterial
import io.switchboard.tls.TrustMaterial
import okhttp3.tls.HeldCertificate
import java.io.File
import java.nio.file.Path
import java.security.KeyStore
import java.util.concurrent.atomic.AtomicInteger

/** Certificates made for one test run: a CA, and what it signs. */
class TestCertificates(
    private val dir: File,
) {
    val ca: HeldCertificate =
        HeldCertificate
            .Builder()
            .commonName("Switchboard Test CA")
            .certificateAuthority(0)
            .build()
    val otherCa: HeldCertificate =
        HeldCertificate
            .Builder()
            .commonName("Someone Else's CA")
            .certificateAuthority(0)
            .build()

    /** A certificate for [names] (host names or addresses) signed by [by]. */
    fun leaf(
        commonName: String,
        vararg names: String,
        by: HeldCertificate = ca,
    ): HeldCertificate =
        HeldCertificate
            .Builder()
            .commonName(commonName)
            .apply { names.forEach { addSubjectAlternativeName(it) } }
            .signedBy(by)
            .build()

    /** [certificate] as PEM files: its chain (with [issuer]) and its PKCS #8 key. */
    fun pem(
        name: String,
        certificate: HeldCertificate,
        issuer: HeldCertificate = ca,
    ): KeyMaterial {
        val (chain, key) = pemFiles(name, certificate, issuer)
        return KeyMaterial.fromPem(chain, key)
    }

    /** [certificate] written as PEM files: its chain (with [issuer]) and its PKCS #8 key. */
    fun pemFiles(
        name: String,
        certificate: HeldCertificate,
        issuer: HeldCertificate = ca,
    ): Pair<Path, Path> {
        val chain = File(dir, "$name.crt").apply { writeText(certificate.certificatePem() + issuer.certificatePem()) }
        val key = File(dir, "$name.key").apply { writeText(certificate.privateKeyPkcs8Pem()) }
        return chain.toPath() to key.toPath()
    }

    /** The CA's certificate as a PEM file, what callers trust. */
    fun caFile(of: HeldCertificate = ca): Path = File(dir, "ca-${of.hashCode()}.pem").apply { writeText(of.certificatePem()) }.toPath()

    /** A PKCS #12 key store holding [certificate]'s key and chain under alias `server`. */
    fun keyStore(
        certificate: HeldCertificate,
        password: String,
    ): Path {
        val store = KeyStore.getInstance("PKCS12").apply { load(null, null) }
        store.setKeyEntry("server", certificate.keyPair.private, password.toCharArray(), arrayOf(certificate.certificate, ca.certificate))
        val file = File(dir, "server.p12")
        file.outputStream().use { store.store(it, password.toCharArray()) }
        return file.toPath()
    }
}

/**
 * TLS both ways, against real servers on loopback with certificates made by the test: a server from PEM files or a
 * key store, callers that trust its CA (or do not), hostname verification, per-service trust, client certificates
 * required (mutual TLS) and turned into the caller's identity.
 */
class TlsTest :
    FunSpec({
        val certs = TestCertificates(tempdir())
        val serverCert = certs.leaf("people.internal", "127.0.0.1", "localhost")
        val served = AtomicInteger()

        fun server(
            tls: ServerTls,
            configure: io.switchboard.server.ServiceServerBuilder.() -> Unit = {},
        ): ServiceServer =
            ServiceServer {
                host<PeopleService>(
                    object : PeopleService by People("tls") {
                        override suspend fun find(id: Int): Person {
                            served.incrementAndGet()
                            return Person(id, "p$id")
                        }
                    },
                )
                host<WhoService>(Who())
                tls(tls)
                configure()
            }.startAsync().join()

        fun manager(
            server: ServiceServer,
            configure: ServiceManagerBuilder.() -> Unit,
        ) = ServiceManager {
            server.instances.forEach { staticInstances(it.serviceName, it) }
            retry(io.switchboard.RetryPolicy.NONE)
            configure()
        }

        val trustingCa = ClientTls { trust(TrustMaterial.fromPem(certs.caFile())) }

        test("a server from PEM files serves over https, registered secure; a caller trusting its CA calls it") {
            server(ServerTls.of(certs.pem("server", serverCert))).use { server ->
                server.baseUrl shouldStartWith "https://"
                server.instances.all { it.secure } shouldBe true
                manager(server) { tls(trustingCa) }.use { m ->
                    m.getService<PeopleService>(Channel.DISPATCH_JSON).find(7)?.name shouldBe "p7"
                    m.getService<PeopleService>(Channel.DISPATCH_MSGPACK).find(8)?.name shouldBe "p8"
                }
                // the OkHttp engine takes the same settings
                manager(server) {
                    engine(HttpEngine.OKHTTP)
                    tls(trustingCa)
                }.use { m -> m.getService<PeopleService>(Channel.DISPATCH_JSON).find(9)?.name shouldBe "p9" }
            }
        }

        test("a caller that does not trust the server's CA fails the handshake, and nothing reaches the implementation") {
            server(ServerTls.of(certs.pem("server", serverCert))).use { server ->
                val before = served.get()
                manager(server) {}.use { m ->
                    val e = shouldThrow<SwitchboardException> { m.getService<PeopleService>(Channel.DISPATCH_JSON).find(1) }
                    e.stackTraceToString() shouldContain "certification path"
                }
                // trusting another CA is no better
                manager(server) { tls(ClientTls { trust(TrustMaterial.fromPem(certs.caFile(certs.otherCa))) }) }.use { m ->
                    shouldThrow<SwitchboardException> { m.getService<PeopleService>(Channel.DISPATCH_JSON).find(1) }
                }
                served.get() shouldBe before
                // a service may have trust of its own: the manager's default (the JVM's CAs) fails, the service's works
                manager(server) { service("people") { tls(trustingCa) } }.use { m ->
                    m.getService<PeopleService>(Channel.DISPATCH_JSON).find(2)?.name shouldBe "p2"
                    shouldThrow<SwitchboardException> { m.getService<WhoService>(Channel.DISPATCH_JSON).me() }
                }
            }
        }

        test("a certificate that does not name the host called is refused, unless hostname verification is off") {
            val elsewhere = certs.leaf("elsewhere", "other.example")
            server(ServerTls.of(certs.pem("elsewhere", elsewhere))).use { server ->
                manager(server) { tls(trustingCa) }.use { m ->
                    val e = shouldThrow<SwitchboardException> { m.getService<PeopleService>(Channel.DISPATCH_JSON).find(1) }
                    e.stackTraceToString() shouldContain "127.0.0.1"
                }
                manager(server) { tls(trustingCa.newBuilder().hostnameVerification(false).build()) }.use { m ->
                    m.getService<PeopleService>(Channel.DISPATCH_JSON).find(3)?.name shouldBe "p3"
                }
            }
        }

        test("a server from a PKCS #12 key store") {
            val store = certs.keyStore(serverCert, "store-secret")
            server(ServerTls.of(KeyMaterial.fromKeyStore(store, "store-secret"))).use { server ->
                manager(server) { tls(trustingCa) }.use { m ->
                    m.getService<PeopleService>(Channel.DISPATCH_JSON).find(4)?.name shouldBe
                        "p4"
                }
            }
            shouldThrow<ConfigurationException> { KeyMaterial.fromKeyStore(store, "wrong") }.message shouldContain "password"
        }

        test("mutual TLS: no client certificate or one from another CA fails the handshake; the right one is the caller's identity") {
            val tls = ServerTls.of(certs.pem("server", serverCert)).requireClientCertificates(TrustMaterial.fromPem(certs.caFile()))
            server(tls) {
                authenticator(CertificateAuthenticator.byCommonName(mapOf("orders" to setOf("admin"))))
                requireRole("admin", "people", "remove")
            }.use { server ->
                val before = served.get()
                manager(server) { tls(trustingCa) }.use { m ->
                    shouldThrow<SwitchboardException> { m.getService<PeopleService>(Channel.DISPATCH_JSON).find(1) }
                }
                val rogue = certs.leaf("orders", by = certs.otherCa)
                manager(server) { tls(trustingCa.newBuilder().identity(certs.pem("rogue", rogue, certs.otherCa)).build()) }.use { m ->
                    shouldThrow<SwitchboardException> { m.getService<PeopleService>(Channel.DISPATCH_JSON).find(1) }
                }
                served.get() shouldBe before
                val orders = certs.pem("orders", certs.leaf("orders"))
                manager(server) { tls(trustingCa.newBuilder().identity(orders).build()) }.use { m ->
                    m.getService<WhoService>(Channel.DISPATCH_JSON).me() shouldBe "orders/mtls"
                    m.getService<PeopleService>(Channel.DISPATCH_JSON).find(5)?.name shouldBe "p5"
                }
                // trusted by the CA, but not a name this server accepts: 401
                val stranger = certs.pem("stranger", certs.leaf("stranger"))
                manager(server) { tls(trustingCa.newBuilder().identity(stranger).build()) }.use { m ->
                    val e = shouldThrow<RemoteServiceException> { m.getService<WhoService>(Channel.DISPATCH_JSON).me() }
                    e.status shouldBe 401
                    e.message shouldContain "stranger"
                }
            }
        }

        test("YAML: a service's own tls section, with a client certificate; a missing file fails naming the key") {
            val tls = ServerTls.of(certs.pem("server", serverCert)).requireClientCertificates(TrustMaterial.fromPem(certs.caFile()))
            server(tls) { authenticator(CertificateAuthenticator()) }.use { server ->
                val (chain, key) = certs.pemFiles("billing", certs.leaf("billing"))
                val dir = tempdir()
                File(dir, "application.yaml").writeText(
                    """
                    service-caller:
                      tls:
                        trust-certificates: ${certs.caFile()}
                      services:
                        who:
                          tls:
                            trust-certificates: ${certs.caFile()}
                            certificate: $chain
                            private-key: $key
                    """.trimIndent(),
                )
                manager(server) { config(SwitchboardConfig.load(dir.toPath())) }.use { m ->
                    m.getService<WhoService>(Channel.DISPATCH_JSON).me() shouldBe "billing/mtls"
                    // people follows the manager's section: it trusts the server, but has no certificate to show
                    shouldThrow<SwitchboardException> { m.getService<PeopleService>(Channel.DISPATCH_JSON).find(1) }
                }
                File(
                    dir,
                    "application.yaml",
                ).writeText("service-caller:\n  services:\n    who:\n      tls:\n        trust-certificates: /no/such/ca.pem\n")
                shouldThrow<ConfigurationException> { SwitchboardConfig.load(dir.toPath()) }.message shouldContain
                    "service-caller.services.who.tls.trust-certificates"
            }
        }

        test("key material that does not fit fails configuration, naming the file") {
            val dir = tempdir()
            val cert = File(dir, "a.crt").apply { writeText(serverCert.certificatePem()) }
            val otherKey = File(dir, "b.key").apply { writeText(certs.leaf("b").privateKeyPkcs8Pem()) }
            shouldThrow<ConfigurationException> { ServerTls.of(KeyMaterial.fromPem(cert.toPath(), otherKey.toPath())) }
            val pkcs1 = File(dir, "c.key").apply { writeText("-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n") }
            shouldThrow<ConfigurationException> { KeyMaterial.fromPem(cert.toPath(), pkcs1.toPath()) }.message shouldContain "openssl pkcs8"
            // client certificates vouched for by the public authorities would let anyone in
            shouldThrow<ConfigurationException> {
                ServerTls.of(certs.pem("server", serverCert)).requireClientCertificates(TrustMaterial.system())
            }.message shouldContain "trust material of their own"
            val missing = File(dir, "missing.crt")
            shouldThrow<ConfigurationException> { TrustMaterial.fromPem(missing.toPath()) }.message shouldContain "missing.crt"
        }
    })
