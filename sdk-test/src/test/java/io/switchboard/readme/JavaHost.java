package io.switchboard.readme;

// README:begin java-host
import io.switchboard.server.ServiceServer;
import io.switchboard.service.Get;
import io.switchboard.service.Query;
import io.switchboard.service.Service;
import io.switchboard.spi.ServiceRegistry;

final class JavaHost {
    @Service(name = "greeter")
    public interface Greeter {
        @Get("/greet")
        String greet(@Query("name") String name);
    }

    static ServiceServer host(ServiceRegistry registry) {
        return ServiceServer.builder()
                .host(Greeter.class, name -> "Hello, " + name)
                .registry(registry) // registered once listening; a SIGTERM deregisters, drains and stops it
                .build()
                .startAsync()
                .join();
    }
}
// README:end
