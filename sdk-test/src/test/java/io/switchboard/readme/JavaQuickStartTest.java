package io.switchboard.readme;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.switchboard.test.TestHttpServer;
import org.junit.jupiter.api.Test;

class JavaQuickStartTest {
    @Test
    void theJavaQuickStartCallsALoopbackServer() {
        try (TestHttpServer server = TestHttpServer.start("quick-java")) {
            assertEquals(new JavaQuickStart.Hello("OK", "quick-java"), JavaQuickStart.callHello(server.getPort()));
        }
    }
}
