package io.switchboard.java;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.switchboard.RequestContext;
import io.switchboard.ServiceManager;
import io.switchboard.auth.CallerIdentity;
import io.switchboard.interceptor.SigningInterceptor;
import io.switchboard.server.ServiceServer;
import io.switchboard.server.auth.AuthenticationException;
import io.switchboard.server.auth.HmacAuthenticator;
import io.switchboard.server.auth.SigningKey;
import io.switchboard.service.RemoteServiceException;
import io.switchboard.service.Service;
import io.switchboard.spi.JavaInterceptor;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Authentication from Java: an authenticator written as a lambda, a role rule, a signing key, and the caller read in a Java implementation. */
class JavaAuthTest {
    @Service(name = "java-ledger")
    public interface Ledger {
        String owner();

        CompletableFuture<String> close(String account);
    }

    static final class LedgerImpl implements Ledger {
        @Override
        public String owner() {
            CallerIdentity caller = CallerIdentity.current();
            return caller == null ? "anonymous" : caller.getName() + "/" + caller.getScheme();
        }

        @Override
        public CompletableFuture<String> close(String account) {
            return CompletableFuture.completedFuture(
                    "closed " + account + " for " + CallerIdentity.current().getName());
        }
    }

    private static final String SECRET = "java-ledger-secret-0123456789abcdef0123";

    /** An API-key scheme of the application's own: header X-Api-Key. */
    private static CallerIdentity apiKey(io.switchboard.server.auth.InboundRequest request) {
        String key = request.header("X-Api-Key");
        if (key == null) return null;
        if (key.equals("k-clerk")) return new CallerIdentity("clerk", "api-key", Set.of("clerk"));
        throw new AuthenticationException("unknown API key");
    }

    @Test
    void aJavaAuthenticatorRolesAndSignedCalls() throws Exception {
        try (ServiceServer server = ServiceServer.builder()
                .host(Ledger.class, new LedgerImpl())
                .authenticator(JavaAuthTest::apiKey)
                .authenticator(new HmacAuthenticator(
                        Map.of("batch", new SigningKey(SECRET, new CallerIdentity("batch", "hmac", Set.of("closer"))))))
                .requireRole("closer", "java-ledger", "close")
                .build()
                .startAsync()
                .join()) {
            JavaInterceptor clerkKey = new JavaInterceptor() {
                @Override
                public String getName() {
                    return "api-key";
                }

                @Override
                public void beforeRequest(RequestContext context) {
                    context.getHeaders().put("X-Api-Key", "k-clerk");
                }
            };
            try (ServiceManager clerk = ServiceManager.builder()
                    .staticInstances("java-ledger", server.getInstances().get(0))
                    .addInterceptor(clerkKey)
                    .build()) {
                Ledger ledger = clerk.getService(Ledger.class);
                assertEquals("clerk/api-key", ledger.owner());
                ExecutionException e = assertThrows(
                        ExecutionException.class, () -> ledger.close("A-1").get(5, TimeUnit.SECONDS));
                RemoteServiceException refused = assertInstanceOf(RemoteServiceException.class, e.getCause());
                assertEquals(403, refused.getStatus());
            }
            try (ServiceManager batch = ServiceManager.builder()
                    .staticInstances("java-ledger", server.getInstances().get(0))
                    .addInterceptor(new SigningInterceptor("batch", SECRET))
                    .build()) {
                Ledger ledger = batch.getService(Ledger.class);
                assertEquals("batch/hmac", ledger.owner());
                assertEquals("closed A-1 for batch", ledger.close("A-1").get(5, TimeUnit.SECONDS));
            }
        }
    }
}
