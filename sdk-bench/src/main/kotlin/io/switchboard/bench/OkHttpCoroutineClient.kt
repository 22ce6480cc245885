package io.switchboard.bench

import kotlinx.coroutines.suspendCancellableCoroutine
import kotlinx.serialization.json.Json
import okhttp3.Call
import okhttp3.Callback
import okhttp3.ConnectionPool
import okhttp3.Dispatcher
import okhttp3.MediaType.Companion.toMediaType
import okhttp3.OkHttpClient
import okhttp3.Request
import okhttp3.RequestBody.Companion.toRequestBody
import okhttp3.Response
import java.io.IOException
import java.util.concurrent.TimeUnit
import kotlin.coroutines.resume
import kotlin.coroutines.resumeWithException

/**
 * OkHttp's async API under coroutines, no Ktor: a call is enqueued, its body read in OkHttp's callback and the
 * coroutine resumed. The floor for any coroutine client on OkHttp (two thread hops a call), next to Retrofit's
 * blocking calls on a thread per caller.
 */
class OkHttpCoroutineClient(
    port: Int,
) : SuspendingClient {
    private val client =
        OkHttpClient
            .Builder()
            .connectionPool(ConnectionPool(128, 5, TimeUnit.MINUTES))
            .dispatcher(
                Dispatcher().apply {
                    maxRequests = 256
                    maxRequestsPerHost = 256
                },
            ).build()
    private val base = "http://127.0.0.1:$port"
    private val jsonType = "application/json".toMediaType()

    private suspend fun call(request: Request): ByteArray =
        suspendCancellableCoroutine { continuation ->
            val call = client.newCall(request)
            continuation.invokeOnCancellation { call.cancel() }
            call.enqueue(
                object : Callback {
                    override fun onFailure(
                        call: Call,
                        e: IOException,
                    ) = continuation.resumeWithException(e)

                    override fun onResponse(
                        call: Call,
                        response: Response,
                    ) {
                        val bytes =
                            try {
                                response.use {
                                    if (!it.isSuccessful) throw IOException("HTTP ${it.code} from the target")
                                    it.body.bytes()
                                }
                            } catch (e: Throwable) {
                                continuation.resumeWithException(e)
                                return
                            }
                        continuation.resume(bytes)
                    }
                },
            )
        }

    // requests built and bodies encoded per call, as every other contender does
    override suspend fun get(): Any =
        Json.decodeFromString(Hello.serializer(), call(Request.Builder().url("$base/hello").build()).decodeToString())

    override suspend fun post(): Any {
        val body = Json.encodeToString(Order.serializer(), ORDER).toRequestBody(jsonType)
        return Json.decodeFromString(
            Order.serializer(),
            call(
                Request
                    .Builder()
                    .url("$base/echo")
                    .post(body)
                    .build(),
            ).decodeToString(),
        )
    }

    override fun close() {
        client.dispatcher.executorService.shutdown()
        client.connectionPool.evictAll()
    }
}
