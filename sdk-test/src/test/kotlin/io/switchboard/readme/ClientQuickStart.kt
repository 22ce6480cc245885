package io.switchboard.readme

// README:begin kotlin-client
import io.switchboard.client.ClientResponse
import io.switchboard.client.ClientSpec
import io.switchboard.client.Params
import io.switchboard.client.PoolPlugin
import io.switchboard.client.ServiceClient
import io.switchboard.client.TrackingTokenPlugin
import io.switchboard.client.payload

suspend fun createAndFetch(baseUrl: String): ClientResponse {
    val spec =
        ClientSpec.parse(
            """
            base-url: $baseUrl
            headers: { Accept: application/json }
            endpoints:
              get_user_detail:
                path: /users/{user_id}
              create_user:
                method: post
                path: /users
                timeout: 2s
            """.trimIndent(),
        )
    return ServiceClient(spec) {
        plugin(TrackingTokenPlugin())
        plugin(PoolPlugin(maxConcurrent = 10, maxPending = 100))
    }.use { client ->
        client.call("create_user", Params { payload(mapOf("name" to "Ada")) })
        client.call("get_user_detail", Params { path("user_id", 42) })
    }
}
// README:end
