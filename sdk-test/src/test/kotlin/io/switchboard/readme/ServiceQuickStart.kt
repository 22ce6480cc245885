package io.switchboard.readme

// README:begin kotlin-service
import io.switchboard.ServiceManager
import io.switchboard.discovery.InMemoryRegistry
import io.switchboard.server.ServiceServer
import io.switchboard.server.host
import io.switchboard.service.Get
import io.switchboard.service.Path
import io.switchboard.service.Post
import io.switchboard.service.Service
import kotlinx.serialization.Serializable

@Serializable
data class Order(
    val id: Int,
    val items: List<String>,
)

@Service(name = "orders", path = "/api")
interface OrderService {
    @Get("/orders/{id}")
    suspend fun find(
        @Path("id") id: Int,
    ): Order?

    @Post("/orders")
    suspend fun place(order: Order): Order
}

class Orders : OrderService {
    private val orders = mutableMapOf<Int, Order>()

    override suspend fun find(id: Int): Order? = orders[id]

    override suspend fun place(order: Order): Order = order.also { orders[it.id] = it }
}

suspend fun placeAndFind(): Order? {
    val registry = InMemoryRegistry()
    ServiceServer { host<OrderService>(Orders()).registry(registry) }.start().use {
        ServiceManager { discovery(registry) }.use { manager ->
            val orders = manager.getService<OrderService>() // dispatch-json; or getService<OrderService>(Channel.REST)
            orders.place(Order(1, listOf("tea")))
            return orders.find(1)
        }
    }
}
// README:end
