package io.switchboard.interceptor

import io.switchboard.RequestContext
import io.switchboard.spi.Interceptor
import org.slf4j.LoggerFactory
import java.util.function.Supplier

/**
 * Puts a token into a header of every call: `Authorization: Bearer <token>` by default.
 *
 * The token is either fixed or fetched from a supplier on every call, for tokens that rotate. A 401
 * answer is logged as a warning naming the service and path.
 *
 * Kotlin passes a suspending supplier with `AuthInterceptor(headerName, prefix) { token() }`; Java uses
 * [withSupplier].
 */
public class AuthInterceptor private constructor(
    private val headerName: String,
    private val prefix: String,
    private val tokenSource: TokenSource,
    // the header's value when the token never changes: no suspension, no concatenation per call
    private val fixedValue: String? = null,
) : Interceptor {
    /** Where the token comes from; suspending, so it is Kotlin's only. */
    private fun interface TokenSource {
        suspend fun token(): String
    }

    /** A fixed [token] in header [headerName] after [prefix]. */
    @JvmOverloads
    public constructor(
        token: String,
        headerName: String = "Authorization",
        prefix: String = "Bearer ",
    ) : this(headerName, prefix, TokenSource { token }, prefix + token)

    init {
        require(headerName.isNotBlank()) { "headerName: '$headerName' (expected: a non-blank header name)" }
    }

    override val name: String get() = NAME

    override suspend fun beforeRequest(context: RequestContext) {
        val fixed = fixedValue
        if (fixed != null) context.headers[headerName] = fixed else withToken(context)
    }

    private suspend fun withToken(context: RequestContext) {
        context.headers[headerName] = prefix + tokenSource.token()
    }

    override suspend fun afterResponse(context: RequestContext) {
        if (context.response?.status == 401) {
            log.warn("Authentication failed for {}{} (401 from {})", context.serviceName, context.path, context.selectedInstance?.address)
        }
    }

    override fun toString(): String = "AuthInterceptor(header=$headerName, token=***)"

    /** Factories for Java. */
    public companion object {
        /** The name this interceptor registers under. */
        public const val NAME: String = "AuthInterceptor"

        private val log = LoggerFactory.getLogger(AuthInterceptor::class.java)

        /** A token read from [supplier] on every call, in header [headerName] after [prefix]. */
        @JvmStatic
        @JvmOverloads
        public fun withSupplier(
            supplier: Supplier<String>,
            headerName: String = "Authorization",
            prefix: String = "Bearer ",
        ): AuthInterceptor = AuthInterceptor(headerName, prefix, TokenSource { supplier.get() })

        @JvmSynthetic
        internal fun suspending(
            headerName: String,
            prefix: String,
            tokenSupplier: suspend () -> String,
        ): AuthInterceptor = AuthInterceptor(headerName, prefix, TokenSource { tokenSupplier() })
    }
}

/**
 * An [AuthInterceptor] that asks [tokenSupplier] for the token on every call (for tokens that rotate)
 * and puts it in header [headerName] after [prefix].
 */
@JvmSynthetic
public fun AuthInterceptor(
    headerName: String = "Authorization",
    prefix: String = "Bearer ",
    tokenSupplier: suspend () -> String,
): AuthInterceptor = AuthInterceptor.suspending(headerName, prefix, tokenSupplier)
