package io.switchboard

import io.ktor.utils.io.jvm.javaio.toInputStream
import kotlinx.coroutines.CompletableDeferred
import java.io.InputStream
import java.util.concurrent.CompletableFuture

/**
 * The Java face of a [ServiceManager], from [ServiceManager.async]: the same calls as the Kotlin verbs,
 * each returning a [CompletableFuture]. Cancelling a future aborts its HTTP call; a future completes
 * exceptionally with the same typed exceptions the Kotlin calls throw (wrapped by `join()` in a
 * `CompletionException`).
 *
 * ```java
 * User user = manager.async().get("user-service", "/users/42", User.class).join();
 * ```
 */
public class AsyncServiceManager internal constructor(
    private val manager: ServiceManager,
) {
    /** [method] [path] on [serviceName], a 2xx answer decoded into [type]. */
    @JvmOverloads
    public fun <T> request(
        method: String,
        serviceName: String,
        path: String,
        type: Class<T>,
        options: RequestOptions = RequestOptions.NONE,
    ): CompletableFuture<T> = request(method, serviceName, path, BodyType.of(type), options)

    /** [method] [path] on [serviceName], decoded into a generic [type] (`BodyType.of(java.lang.reflect.Type)`). */
    @Suppress("UNCHECKED_CAST")
    @JvmOverloads
    public fun <T> request(
        method: String,
        serviceName: String,
        path: String,
        type: BodyType,
        options: RequestOptions = RequestOptions.NONE,
    ): CompletableFuture<T> = manager.future { manager.request(method, serviceName, path, type, options) as T }

    /** GET, decoded into [type]. */
    @JvmOverloads
    public fun <T> get(
        serviceName: String,
        path: String,
        type: Class<T>,
        options: RequestOptions = RequestOptions.NONE,
    ): CompletableFuture<T> = request("GET", serviceName, path, type, options)

    /** POST, decoded into [type]. */
    @JvmOverloads
    public fun <T> post(
        serviceName: String,
        path: String,
        type: Class<T>,
        options: RequestOptions = RequestOptions.NONE,
    ): CompletableFuture<T> = request("POST", serviceName, path, type, options)

    /** PUT, decoded into [type]. */
    @JvmOverloads
    public fun <T> put(
        serviceName: String,
        path: String,
        type: Class<T>,
        options: RequestOptions = RequestOptions.NONE,
    ): CompletableFuture<T> = request("PUT", serviceName, path, type, options)

    /** DELETE, decoded into [type]. */
    @JvmOverloads
    public fun <T> delete(
        serviceName: String,
        path: String,
        type: Class<T>,
        options: RequestOptions = RequestOptions.NONE,
    ): CompletableFuture<T> = request("DELETE", serviceName, path, type, options)

    /** PATCH, decoded into [type]. */
    @JvmOverloads
    public fun <T> patch(
        serviceName: String,
        path: String,
        type: Class<T>,
        options: RequestOptions = RequestOptions.NONE,
    ): CompletableFuture<T> = request("PATCH", serviceName, path, type, options)

    /** OPTIONS, decoded into [type]. */
    @JvmOverloads
    public fun <T> options(
        serviceName: String,
        path: String,
        type: Class<T>,
        options: RequestOptions = RequestOptions.NONE,
    ): CompletableFuture<T> = request("OPTIONS", serviceName, path, type, options)

    /** HEAD: the status and headers, or an [HttpStatusException] outside 2xx. */
    @JvmOverloads
    public fun head(
        serviceName: String,
        path: String,
        options: RequestOptions = RequestOptions.NONE,
    ): CompletableFuture<ResponseInfo> = manager.future { manager.head(serviceName, path, options) }

    /** [method] [path] on [serviceName]: the response, whatever its status, with its body read into memory. */
    @JvmOverloads
    public fun raw(
        method: String,
        serviceName: String,
        path: String,
        options: RequestOptions = RequestOptions.NONE,
    ): CompletableFuture<BufferedResponse> = manager.future { manager.rawRequest(method, serviceName, path, options) { it.buffer() } }

    /**
     * [method] [path] on [serviceName], the body streamed: the future completes once the headers arrived,
     * with a [StreamedResponse] whose [StreamedResponse.body] reads the body as it comes. The connection
     * (and one of the manager's connection permits) is held until the response is closed — use
     * try-with-resources; a response dropped unclosed is released only when it is garbage-collected.
     * Interceptors' `afterResponse` runs, and the call's duration ends, when the response is closed.
     */
    @JvmOverloads
    public fun stream(
        method: String,
        serviceName: String,
        path: String,
        options: RequestOptions = RequestOptions.NONE,
    ): CompletableFuture<StreamedResponse> {
        val opened = CompletableFuture<StreamedResponse>()
        val call =
            manager.future {
                manager.rawRequest(method, serviceName, path, options) { raw ->
                    val closed = CompletableDeferred<Unit>()
                    val response =
                        StreamedResponse(raw.instance, raw.info, raw.channel().toInputStream(), Runnable { closed.complete(Unit) })
                    if (opened.complete(response)) closed.await()
                }
            }
        call.whenComplete { _, failure -> if (failure != null) opened.completeExceptionally(failure.unwrapped()) }
        opened.whenComplete { _, failure -> if (failure is java.util.concurrent.CancellationException) call.cancel(true) }
        return opened
    }

    override fun toString(): String = "AsyncServiceManager($manager)"
}

private val CLEANER: java.lang.ref.Cleaner =
    java.lang.ref.Cleaner
        .create()

private fun Throwable.unwrapped(): Throwable = if (this is java.util.concurrent.CompletionException && cause != null) cause!! else this

/**
 * A response whose body is read as a stream, from [AsyncServiceManager.stream]. It holds its connection
 * until [close]; read [body] before closing.
 *
 * @property instance the instance that answered.
 * @property info status and headers.
 */
public class StreamedResponse internal constructor(
    public val instance: ServiceInstance,
    public val info: ResponseInfo,
    private val stream: InputStream,
    private val onClose: Runnable,
) : AutoCloseable {
    /** The HTTP status code. */
    public val status: Int get() = info.status

    /** The first value of header [name], compared case-insensitively. */
    public fun header(name: String): String? = info.header(name)

    /** The body as it arrives; reading blocks the calling thread until bytes come. */
    public fun body(): InputStream = stream

    /** Releases the connection; the unread rest of the body is discarded. */
    override fun close() {
        runCatching { stream.close() }
        onClose.run()
    }

    override fun toString(): String = "StreamedResponse(${info.status} from ${instance.address})"
}
