package io.switchboard.e2e

import io.switchboard.test.TestHttpServer
import kotlinx.serialization.Serializable

@Serializable
data class Hello(
    val status: String,
    val server: String,
)

@Serializable
data class Echo(
    val method: String,
    val path: String,
    val query: Map<String, List<String>>,
    val headers: Map<String, String>,
    val body: String,
    val server: String,
)

@Serializable
data class Delayed(
    val delayed: Long,
    val server: String,
)

@Serializable
data class User(
    val id: Int,
    val name: String,
    val tags: List<String> = emptyList(),
)

/** Starts [count] servers named `<prefix>-0`, `<prefix>-1`, … */
fun servers(
    count: Int,
    prefix: String = "s",
): List<TestHttpServer> = List(count) { TestHttpServer.start("$prefix-$it") }
