package io.switchboard.bench

import io.switchboard.service.Body
import io.switchboard.service.Get
import io.switchboard.service.Post
import io.switchboard.service.Service
import kotlinx.serialization.Serializable

/** The small answer of `GET /hello`. */
@Serializable
data class Hello(
    val message: String,
    val instance: Int,
)

/** One line of an [Order]. */
@Serializable
data class Line(
    val sku: String,
    val title: String,
    val quantity: Int,
    val unitPrice: Double,
    val tags: List<String>,
)

/** Where an [Order] goes. */
@Serializable
data class Address(
    val street: String,
    val city: String,
    val postcode: String,
    val country: String,
)

/** The customer of an [Order]. */
@Serializable
data class Customer(
    val id: Long,
    val name: String,
    val email: String,
    val address: Address,
)

/** The nested payload `POST /echo` sends back: about 1 KB of JSON. */
@Serializable
data class Order(
    val id: String,
    val customer: Customer,
    val lines: List<Line>,
    val notes: String,
    val express: Boolean,
    val total: Double,
)

/** The benchmark's service, hosted by three sdk-server instances and called through every client. */
@Service(name = BenchService.NAME)
interface BenchService {
    /** A small JSON object. */
    @Get("/hello")
    suspend fun hello(): Hello

    /** Sends [order] back. */
    @Post("/echo")
    suspend fun echo(
        @Body order: Order,
    ): Order

    companion object {
        /** The service name the instances register under. */
        const val NAME: String = "bench"
    }
}

/** The implementation each target instance hosts. */
class BenchServiceImpl(
    private val instance: Int,
) : BenchService {
    private val hello = Hello("hello", instance)

    override suspend fun hello(): Hello = hello

    override suspend fun echo(order: Order): Order = order
}

/** The request body of the POST scenarios. */
val ORDER: Order =
    Order(
        id = "order-2026-000042",
        customer =
            Customer(
                id = 424242,
                name = "Ada Lovelace",
                email = "ada@example.org",
                address = Address("12 Analytical Engine Row", "London", "NW1 6XE", "GB"),
            ),
        lines =
            (1..6).map { i ->
                Line(
                    sku = "SKU-${1000 + i}",
                    title = "Bench item number $i with a longer title",
                    quantity = i,
                    unitPrice = 9.99 * i,
                    tags = listOf("tag-a$i", "tag-b$i", "tag-c$i"),
                )
            },
        notes = "Leave at the door. Ring twice; the bell is quiet.",
        express = true,
        total = 209.79,
    )
