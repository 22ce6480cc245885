package io.switchboard.readme

// README:begin kotlin-tls
import io.switchboard.ServiceManager
import io.switchboard.server.ServerTls
import io.switchboard.server.ServiceServer
import io.switchboard.server.auth.CertificateAuthenticator
import io.switchboard.server.host
import io.switchboard.tls.ClientTls
import io.switchboard.tls.KeyMaterial
import io.switchboard.tls.TrustMaterial
import java.nio.file.Path

suspend fun mutualTls(pem: Path): String {
    val server =
        ServiceServer {
            host<Accounts>(AccountsImpl())
            tls(
                ServerTls
                    .of(KeyMaterial.fromPem(pem.resolve("server.crt"), pem.resolve("server.key")))
                    .requireClientCertificates(TrustMaterial.fromPem(pem.resolve("ca.pem"))),
            )
            authenticator(CertificateAuthenticator()) // the caller is its certificate's common name
        }.start()
    try {
        ServiceManager {
            staticInstances("accounts", server.instances) // registered secure: called over https
            tls(
                ClientTls {
                    trust(TrustMaterial.fromPem(pem.resolve("ca.pem")))
                    identity(KeyMaterial.fromPem(pem.resolve("batch.crt"), pem.resolve("batch.key")))
                },
            )
        }.use { manager -> return manager.getService<Accounts>().whoAmI() } // "batch"
    } finally {
        server.stop()
    }
}
// README:end
