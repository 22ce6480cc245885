package io.switchboard.java;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.switchboard.ConfigurationException;
import io.switchboard.ServiceInstance;
import io.switchboard.ServiceManager;
import io.switchboard.config.ConfigLoader;
import io.switchboard.config.ConfigSection;
import io.switchboard.config.SwitchboardConfig;
import io.switchboard.discovery.InMemoryRegistry;
import io.switchboard.spi.RegistryConnection;
import io.switchboard.spi.RegistryProvider;
import io.switchboard.test.TestHttpServer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A registry adapter written in Java: found by its app-registry section's name, reading its own keys. */
class JavaRegistryProviderTest {
    /** Serves one service's instance from `app-registry.java-static: {service, host, port}`. */
    public static final class StaticProvider implements RegistryProvider {
        @Override
        public String getName() {
            return "java-static";
        }

        @Override
        public void validate(ConfigSection section) {
            section.checkKeys(List.of("service", "host", "port"));
            section.require(section.string("service") != null, null, "no service (expected: service: <name>)");
        }

        @Override
        public RegistryConnection connect(ConfigSection section) {
            validate(section);
            InMemoryRegistry registry = new InMemoryRegistry();
            String service = section.string("service");
            Integer port = section.intValue("port", 1, 65535);
            registry.add(new ServiceInstance(service, section.string("host"), port));
            return new RegistryConnection(registry, registry, null, registry);
        }
    }

    record Hello(String status, String server) {}

    @Test
    void aJavaAdapterServesAManagerBuiltFromConfiguration() throws Exception {
        try (TestHttpServer server = TestHttpServer.start("java-static")) {
            SwitchboardConfig config = new ConfigLoader(Map.of())
                    .parse("app-registry:\n  java-static:\n    service: hello\n    host: 127.0.0.1\n    port: "
                            + server.getPort() + "\n");
            try (ServiceManager manager =
                    ServiceManager.builder().config(config).build()) {
                Hello hello =
                        manager.async().get("hello", "/hello", Hello.class).get(5, TimeUnit.SECONDS);
                assertEquals("java-static", hello.server());
            }
        }
    }

    @Test
    void itsOwnKeysAreCheckedWhenTheConfigurationLoads() {
        ConfigurationException e = assertThrows(
                ConfigurationException.class,
                () -> new ConfigLoader(Map.of())
                        .parse("app-registry:\n  java-static:\n    service: hello\n    hots: 127.0.0.1\n"));
        assertTrue(e.getMessage().contains("app-registry.java-static.hots"), e.getMessage());
        assertTrue(e.getMessage().contains("did you mean 'host'?"), e.getMessage());
    }
}
