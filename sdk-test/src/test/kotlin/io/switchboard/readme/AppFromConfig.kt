package io.switchboard.readme

// README:begin kotlin-app-from-config
import io.switchboard.client.ClientSpec
import io.switchboard.client.Params
import io.switchboard.client.ServiceClient
import io.switchboard.config.SwitchboardConfig
import io.switchboard.server.ServiceServer
import io.switchboard.server.host
import java.nio.file.Path

suspend fun ordersFromConfig(folder: Path): Order? =
    SwitchboardConfig.load(folder).newServiceManager().use { manager ->
        // connects to app-registry.nacos
        // a provider: registers "orders" through the manager's registry connection
        ServiceServer { host<OrderService>(Orders()).registry(manager.registry!!) }.start().use {
            manager.getService<OrderService>().place(Order(7, listOf("tea")))
            // a spec client on the same connection
            val spec = ClientSpec.parse("service: orders\nendpoints:\n  find: { path: '/api/orders/{id}' }")
            ServiceClient(spec) { discovery(manager.discovery) }.use { client ->
                client.callFor<Order>("find", Params { path("id", 7) })
            }
        }
    }
// README:end
