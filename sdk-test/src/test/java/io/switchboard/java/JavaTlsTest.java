package io.switchboard.java;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.switchboard.ServiceManager;
import io.switchboard.ServiceSettings;
import io.switchboard.SwitchboardException;
import io.switchboard.auth.CallerIdentity;
import io.switchboard.interceptor.AuthInterceptor;
import io.switchboard.server.ServerTls;
import io.switchboard.server.ServiceServer;
import io.switchboard.server.auth.BearerTokenAuthenticator;
import io.switchboard.server.auth.CertificateAuthenticator;
import io.switchboard.service.Service;
import io.switchboard.tls.ClientTls;
import io.switchboard.tls.KeyMaterial;
import io.switchboard.tls.TrustMaterial;
import java.util.Map;
import java.util.Set;
import okhttp3.tls.HeldCertificate;
import org.junit.jupiter.api.Test;

/** TLS from Java: a server with client certificates required, a caller with its own certificate, per-service settings. */
class JavaTlsTest {
    @Service(name = "java-vault")
    public interface Vault {
        String caller();
    }

    @Service(name = "java-safe")
    public interface Safe {
        String caller();
    }

    static final class Caller implements Vault, Safe {
        @Override
        public String caller() {
            CallerIdentity caller = CallerIdentity.current();
            return caller == null ? "anonymous" : caller.getName() + "/" + caller.getScheme();
        }
    }

    @Test
    void mutualTlsAndPerServiceSettings() throws Exception {
        HeldCertificate ca = new HeldCertificate.Builder()
                .commonName("Java Test CA")
                .certificateAuthority(0)
                .build();
        HeldCertificate serverCert = new HeldCertificate.Builder()
                .commonName("vault")
                .addSubjectAlternativeName("127.0.0.1")
                .signedBy(ca)
                .build();
        HeldCertificate teller =
                new HeldCertificate.Builder().commonName("teller").signedBy(ca).build();
        TrustMaterial trustCa = TrustMaterial.of(ca.certificate());
        Caller caller = new Caller();
        try (ServiceServer server = ServiceServer.builder()
                .host(Vault.class, caller)
                .host(Safe.class, caller)
                .tls(ServerTls.of(KeyMaterial.of(
                                serverCert.keyPair().getPrivate(), serverCert.certificate(), ca.certificate()))
                        .requestClientCertificates(trustCa))
                .authenticator(CertificateAuthenticator.byCommonName(Map.of("teller", Set.of("teller"))))
                .authenticator(
                        new BearerTokenAuthenticator(Map.of("t-safe", new CallerIdentity("safe-user", "bearer"))))
                .build()
                .startAsync()
                .join()) {
            ClientTls trusting = ClientTls.builder().trust(trustCa).build();
            try (ServiceManager manager = ServiceManager.builder()
                    .staticInstances("java-vault", server.getInstances().get(0))
                    .staticInstances("java-safe", server.getInstances().get(1))
                    .tls(trusting)
                    // the vault is called with the teller's certificate; the safe with a token of its own
                    .service(
                            "java-vault",
                            ServiceSettings.builder()
                                    .tls(trusting.newBuilder()
                                            .identity(KeyMaterial.of(
                                                    teller.keyPair().getPrivate(), teller.certificate()))
                                            .build())
                                    .build())
                    .service(
                            "java-safe",
                            ServiceSettings.builder()
                                    .addInterceptor(new AuthInterceptor("t-safe"))
                                    .build())
                    .build()) {
                assertEquals("teller/mtls", manager.getService(Vault.class).caller());
                assertEquals("safe-user/bearer", manager.getService(Safe.class).caller());
            }
            // a caller that does not trust the server's CA never gets an answer
            try (ServiceManager stranger = ServiceManager.builder()
                    .staticInstances("java-vault", server.getInstances().get(0))
                    .build()) {
                assertThrows(
                        SwitchboardException.class,
                        () -> stranger.getService(Vault.class).caller());
            }
        }
    }
}
