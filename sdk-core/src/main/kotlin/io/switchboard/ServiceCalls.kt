package io.switchboard

/**
 * The verbs of a [ServiceManager] for Kotlin: `get<User>(service, path)` and the other HTTP methods
 * decode the answer; `rawGet(service, path) { response -> … }` and the other `raw…` calls hand over the
 * raw response inside a block that always releases it. All of them come down to [request] and
 * [rawRequest]. Java uses [ServiceManager.async] instead (the `raw…` calls, which take Kotlin blocks,
 * are hidden from Java).
 */
public abstract class ServiceCalls internal constructor() {
    /**
     * Calls [method] [path] on [serviceName] and decodes a 2xx answer into [type].
     *
     * @throws NoInstanceAvailableException when no instance can be chosen.
     * @throws HttpStatusException when the answer is not 2xx.
     * @throws ServiceTimeoutException when a timeout fires.
     * @throws ServiceCallException when the connection fails or the body cannot be decoded.
     * @throws InvalidRequestException when [path] does not start with `/`.
     */
    public abstract suspend fun request(
        method: String,
        serviceName: String,
        path: String,
        type: BodyType,
        options: RequestOptions = RequestOptions.NONE,
    ): Any?

    /**
     * Calls [method] [path] on [serviceName] and hands the response, whatever its status, to [block];
     * the connection is released when [block] returns or throws.
     */
    @JvmSynthetic
    public abstract suspend fun <R> rawRequest(
        method: String,
        serviceName: String,
        path: String,
        options: RequestOptions = RequestOptions.NONE,
        block: suspend (RawResponse) -> R,
    ): R

    /** HEAD; returns the status and headers (a HEAD answer has no body), or throws [HttpStatusException] outside 2xx. */
    public abstract suspend fun head(
        serviceName: String,
        path: String,
        options: RequestOptions = RequestOptions.NONE,
    ): ResponseInfo

    /** GET, decoded into [T]. */
    public suspend inline fun <reified T> get(
        serviceName: String,
        path: String,
        options: RequestOptions = RequestOptions.NONE,
    ): T = call("GET", serviceName, path, options)

    /** POST, decoded into [T]. */
    public suspend inline fun <reified T> post(
        serviceName: String,
        path: String,
        options: RequestOptions = RequestOptions.NONE,
    ): T = call("POST", serviceName, path, options)

    /** PUT, decoded into [T]. */
    public suspend inline fun <reified T> put(
        serviceName: String,
        path: String,
        options: RequestOptions = RequestOptions.NONE,
    ): T = call("PUT", serviceName, path, options)

    /** DELETE, decoded into [T]. */
    public suspend inline fun <reified T> delete(
        serviceName: String,
        path: String,
        options: RequestOptions = RequestOptions.NONE,
    ): T = call("DELETE", serviceName, path, options)

    /** PATCH, decoded into [T]. */
    public suspend inline fun <reified T> patch(
        serviceName: String,
        path: String,
        options: RequestOptions = RequestOptions.NONE,
    ): T = call("PATCH", serviceName, path, options)

    /** OPTIONS, decoded into [T]. */
    public suspend inline fun <reified T> options(
        serviceName: String,
        path: String,
        options: RequestOptions = RequestOptions.NONE,
    ): T = call("OPTIONS", serviceName, path, options)

    /** [method] [path] on [serviceName], decoded into [T]. */
    @Suppress("UNCHECKED_CAST")
    public suspend inline fun <reified T> call(
        method: String,
        serviceName: String,
        path: String,
        options: RequestOptions = RequestOptions.NONE,
    ): T = request(method, serviceName, path, bodyTypeOf<T>(), options) as T

    /** GET, the raw response handed to [block]. */
    @JvmSynthetic
    public suspend fun <R> rawGet(
        serviceName: String,
        path: String,
        options: RequestOptions = RequestOptions.NONE,
        block: suspend (RawResponse) -> R,
    ): R = rawRequest("GET", serviceName, path, options, block)

    /** POST, the raw response handed to [block]. */
    @JvmSynthetic
    public suspend fun <R> rawPost(
        serviceName: String,
        path: String,
        options: RequestOptions = RequestOptions.NONE,
        block: suspend (RawResponse) -> R,
    ): R = rawRequest("POST", serviceName, path, options, block)

    /** PUT, the raw response handed to [block]. */
    @JvmSynthetic
    public suspend fun <R> rawPut(
        serviceName: String,
        path: String,
        options: RequestOptions = RequestOptions.NONE,
        block: suspend (RawResponse) -> R,
    ): R = rawRequest("PUT", serviceName, path, options, block)

    /** DELETE, the raw response handed to [block]. */
    @JvmSynthetic
    public suspend fun <R> rawDelete(
        serviceName: String,
        path: String,
        options: RequestOptions = RequestOptions.NONE,
        block: suspend (RawResponse) -> R,
    ): R = rawRequest("DELETE", serviceName, path, options, block)

    /** PATCH, the raw response handed to [block]. */
    @JvmSynthetic
    public suspend fun <R> rawPatch(
        serviceName: String,
        path: String,
        options: RequestOptions = RequestOptions.NONE,
        block: suspend (RawResponse) -> R,
    ): R = rawRequest("PATCH", serviceName, path, options, block)

    /** HEAD, the raw response handed to [block]. */
    @JvmSynthetic
    public suspend fun <R> rawHead(
        serviceName: String,
        path: String,
        options: RequestOptions = RequestOptions.NONE,
        block: suspend (RawResponse) -> R,
    ): R = rawRequest("HEAD", serviceName, path, options, block)

    /** OPTIONS, the raw response handed to [block]. */
    @JvmSynthetic
    public suspend fun <R> rawOptions(
        serviceName: String,
        path: String,
        options: RequestOptions = RequestOptions.NONE,
        block: suspend (RawResponse) -> R,
    ): R = rawRequest("OPTIONS", serviceName, path, options, block)
}
