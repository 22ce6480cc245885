package io.switchboard.java;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.switchboard.ConfigurationException;
import io.switchboard.ServiceManager;
import io.switchboard.config.ConfigLoader;
import io.switchboard.config.SwitchboardConfig;
import io.switchboard.test.TestHttpServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Java loads application.yaml with a profile and calls through the configured manager. */
class JavaConfigTest {
    record Hello(String status, String server) {}

    @Test
    void loadsAProfileAndCallsALoopbackServer() throws Exception {
        try (TestHttpServer server = TestHttpServer.start("java-config")) {
            Path dir = Files.createTempDirectory("java-config");
            Files.writeString(
                    dir.resolve("application.yaml"),
                    String.join(
                            "\n",
                            "service-caller:",
                            "  lb-type: random",
                            "  services:",
                            "    hello:",
                            "      instances:",
                            "        - host: 127.0.0.1",
                            "          port: 1",
                            ""));
            Files.writeString(
                    dir.resolve("application-local.yaml"),
                    String.join(
                            "\n",
                            "service-caller:",
                            "  connection-timeout: 2",
                            "  services:",
                            "    hello:",
                            "      instances:",
                            "        - host: 127.0.0.1",
                            "          port: ${HELLO_PORT}",
                            ""));
            ConfigLoader loader = new ConfigLoader(Map.of("HELLO_PORT", String.valueOf(server.getPort())));
            SwitchboardConfig config = loader.load(dir, "local");
            assertEquals(2, config.getServiceCaller().getConnectionTimeout().getSeconds());

            try (ServiceManager manager =
                    ServiceManager.builder().config(config).build()) {
                Hello hello =
                        manager.async().get("hello", "/hello", Hello.class).get(5, TimeUnit.SECONDS);
                assertEquals(new Hello("OK", "java-config"), hello);
            }
        }
    }

    @Test
    void badConfigurationNamesTheKey() throws Exception {
        Path dir = Files.createTempDirectory("java-config-bad");
        Files.writeString(dir.resolve("application.yaml"), "service-caller:\n  connection-pool-size: many\n");
        ConfigurationException e = assertThrows(ConfigurationException.class, () -> SwitchboardConfig.load(dir));
        assertTrue(e.getMessage().contains("service-caller.connection-pool-size: 'many'"), e.getMessage());
    }
}
