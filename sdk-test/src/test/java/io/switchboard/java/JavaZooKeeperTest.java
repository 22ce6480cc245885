package io.switchboard.java;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.switchboard.ServiceManager;
import io.switchboard.config.ConfigLoader;
import io.switchboard.config.SwitchboardConfig;
import io.switchboard.discovery.InstanceListSource;
import io.switchboard.discovery.InstanceSnapshot;
import io.switchboard.registry.zookeeper.ZooKeeperConfig;
import io.switchboard.registry.zookeeper.ZooKeeperRegistry;
import io.switchboard.test.TestHttpServer;
import io.switchboard.test.ZooKeeperTestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Java registers in a real ZooKeeper and calls through managers configured from YAML and from the builder. */
class JavaZooKeeperTest {
    record Hello(String status, String server) {}

    @Test
    void registersAndCallsThroughZooKeeper() throws Exception {
        String service = "java-" + UUID.randomUUID().toString().substring(0, 8);
        try (ZooKeeperTestServer zk = ZooKeeperTestServer.start();
                TestHttpServer server = TestHttpServer.start("java-zk");
                ZooKeeperRegistry registrar = new ZooKeeperRegistry(new ZooKeeperConfig(zk.getConnectString()))) {
            registrar.registerAsync(server.instance(service)).get(10, TimeUnit.SECONDS);

            SwitchboardConfig config = new ConfigLoader(Map.of("ZK", zk.getConnectString()))
                    .parse("app-registry:\n  zookeeper:\n    connect-string: ${ZK}\n", "application.yaml");
            try (ServiceManager manager =
                    ServiceManager.builder().config(config).build()) {
                Hello hello =
                        manager.async().get(service, "/hello", Hello.class).get(10, TimeUnit.SECONDS);
                assertEquals(new Hello("OK", "java-zk"), hello);
            }

            try (ZooKeeperRegistry discovery = new ZooKeeperRegistry(new ZooKeeperConfig(zk.getConnectString()));
                    ServiceManager manager =
                            ServiceManager.builder().discovery(discovery).build()) {
                Hello hello =
                        manager.async().get(service, "/hello", Hello.class).get(10, TimeUnit.SECONDS);
                assertEquals(new Hello("OK", "java-zk"), hello);
            }
            registrar.deregisterAsync(server.instance(service)).get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void startsFromTheInstanceSnapshotWhileZooKeeperIsDown() throws Exception {
        String service = "java-" + UUID.randomUUID().toString().substring(0, 8);
        Path snapshot = Files.createTempDirectory("java-snapshot").resolve("instances.json");
        try (ZooKeeperTestServer zk = ZooKeeperTestServer.start();
                TestHttpServer server = TestHttpServer.start("java-zk");
                ZooKeeperRegistry registrar = new ZooKeeperRegistry(new ZooKeeperConfig(zk.getConnectString()))) {
            registrar.registerAsync(server.instance(service)).get(10, TimeUnit.SECONDS);
            SwitchboardConfig config = new ConfigLoader(Map.of("ZK", zk.getConnectString()))
                    .parse(
                            "app-registry:\n  zookeeper:\n    connect-string: ${ZK}\n    connection-timeout: 1s\n",
                            "application.yaml");

            // a first run, with the snapshot set on the builder, writes it
            try (ServiceManager manager = ServiceManager.builder()
                    .config(config)
                    .instanceSnapshot(new InstanceSnapshot(snapshot, Duration.ofDays(1)))
                    .build()) {
                manager.async().get(service, "/hello", Hello.class).get(10, TimeUnit.SECONDS);
                InstanceListSource live = manager.getSnapshotDiscovery().status(service);
                assertFalse(live.isStale());
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (!(Files.exists(snapshot) && Files.readString(snapshot).contains(service))) {
                    assertTrue(System.nanoTime() < deadline, "the snapshot was not written");
                    Thread.sleep(20);
                }
            }

            zk.stop();
            try (ServiceManager manager = ServiceManager.builder()
                    .config(config)
                    .instanceSnapshot(snapshot)
                    .build()) {
                Hello hello =
                        manager.async().get(service, "/hello", Hello.class).get(10, TimeUnit.SECONDS);
                assertEquals(new Hello("OK", "java-zk"), hello);
                InstanceListSource stale = manager.getSnapshotDiscovery().status(service);
                assertTrue(stale.isStale());
                assertTrue(stale.getAge().compareTo(Duration.ZERO) > 0, stale.toString());
            } finally {
                zk.restart();
            }
        }
    }
}
