package io.switchboard.java;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.switchboard.ServiceManager;
import io.switchboard.config.ConfigLoader;
import io.switchboard.config.SwitchboardConfig;
import io.switchboard.registry.nacos.NacosConfig;
import io.switchboard.registry.nacos.NacosRegistry;
import io.switchboard.test.NacosServer;
import io.switchboard.test.TestHttpServer;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Java registers in a real Nacos and calls through a manager configured with app-registry.nacos. */
class JavaNacosTest {
    record Hello(String status, String server) {}

    @Test
    void registersAndCallsThroughNacos() throws Exception {
        NacosServer nacos = NacosServer.shared();
        String service = "java-" + UUID.randomUUID().toString().substring(0, 8);
        try (TestHttpServer server = TestHttpServer.start("java-nacos");
                NacosRegistry registrar = new NacosRegistry(new NacosConfig(nacos.getServerAddr()))) {
            registrar.registerAsync(server.instance(service)).get(10, TimeUnit.SECONDS);

            SwitchboardConfig config = new ConfigLoader(Map.of("NACOS_ADDR", nacos.getServerAddr()))
                    .parse("app-registry:\n  nacos:\n    server-addr: ${NACOS_ADDR}\n", "application.yaml");
            try (ServiceManager manager =
                    ServiceManager.builder().config(config).build()) {
                Hello hello = null;
                long deadline = System.currentTimeMillis() + 10_000;
                while (hello == null) {
                    try {
                        hello = manager.async()
                                .get(service, "/hello", Hello.class)
                                .get(5, TimeUnit.SECONDS);
                    } catch (Exception notYetVisible) {
                        if (System.currentTimeMillis() > deadline) throw notYetVisible;
                        Thread.sleep(50);
                    }
                }
                assertEquals(new Hello("OK", "java-nacos"), hello);
            }
            registrar.deregisterAsync(server.instance(service)).get(10, TimeUnit.SECONDS);
        }
    }
}
