package io.switchboard.server

import io.ktor.http.ContentType
import io.ktor.http.HttpMethod
import io.ktor.http.HttpStatusCode
import io.ktor.server.application.ApplicationCall
import io.ktor.server.response.respondBytes
import io.ktor.server.routing.Routing
import io.ktor.server.routing.get
import io.ktor.server.routing.post
import io.ktor.server.routing.route
import io.switchboard.ConfigurationException
import io.switchboard.server.auth.AccessControl
import io.switchboard.server.auth.Refusal
import io.switchboard.server.openapi.OpenApiRoutes
import io.switchboard.service.BinaryDispatchFormat
import io.switchboard.service.DispatchProtocol
import io.switchboard.service.MethodDescriptor
import io.switchboard.service.ServiceDescriptor
import io.switchboard.service.invokeImplementation
import io.switchboard.spi.Codec
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.withContext
import kotlinx.coroutines.withTimeoutOrNull
import kotlinx.serialization.json.JsonArray
import kotlin.time.Duration.Companion.nanoseconds

/**
 * The routes of a [ServiceServer]: `POST /_dispatch/{service}/{method}` in dispatch-json (a JSON array
 * of arguments) or a binary format (MessagePack, Protocol Buffers, chosen by content type), the REST
 * routes of the hosted interfaces' annotations, `GET /health`, and the OpenAPI document and page when they are on. Every hosted call runs within its
 * [InboundLimit]: cancelled, and answered 504, when that passes.
 */
internal class DispatchRoutes(
    /** The hosted services by name: their descriptor and implementation. */
    private val hosted: Map<String, Pair<ServiceDescriptor, Any>>,
    private val codec: Codec,
    private val binder: ArgumentBinder,
    private val errors: ErrorResponses,
    private val health: HealthEndpoint,
    private val deadlines: InboundDeadlines,
    private val access: AccessControl,
    /** The OpenAPI document and page, when they are on. */
    private val openApi: OpenApiRoutes? = null,
) {
    /** What observers are told each hosted method's calls reached, made once. */
    private val dispatchRoutes: Map<String, Map<String, ObservedRoute>> =
        hosted.mapValues { (name, pair) ->
            pair.first.methods.associate { it.name to ObservedRoute(DispatchProtocol.path(name, it.name), name, it.name) }
        }

    /** Adds every route to [routing]. */
    fun install(routing: Routing) {
        with(routing) {
            post("${DispatchProtocol.PREFIX}/{service}/{method}") { dispatch(call) }
            route("${DispatchProtocol.PREFIX}/{...}") {
                handle {
                    call.error(
                        HttpStatusCode.NotFound,
                        "NotFound",
                        "dispatch calls are POST ${DispatchProtocol.PREFIX}/{service}/{method}",
                    )
                }
            }
            get("/health") {
                call.attributes.put(ROUTE, HEALTH_ROUTE)
                health.respond(call, details = !access.enabled || call.attributes.contains(CALLER))
            }
            openApi?.install(this)
            // any other path: JSON 404, or 401 to an anonymous caller where calls need credentials (so that an
            // anonymous caller cannot tell a hosted route from a missing one)
            route("{...}") {
                handle {
                    if (access.enabled && !call.attributes.contains(CALLER)) {
                        errors.unauthenticated(
                            call,
                            "this server needs credentials (${access.challenges.joinToString(" or ")})",
                            access.challenges,
                        )
                    } else {
                        call.error(
                            HttpStatusCode.NotFound,
                            "NotFound",
                            "no route for ${call.request.local.method.value} ${excerpt(call.request.local.uri)}",
                        )
                    }
                }
            }
            hosted.values.forEach { (descriptor, implementation) ->
                descriptor.methods.filter { it.httpMethod != null }.forEach { method ->
                    val observed = ObservedRoute(method.path!!, descriptor.name, method.name)
                    route(
                        method.path!!,
                        HttpMethod.parse(method.httpMethod!!),
                    ) { handle { rest(call, descriptor, method, implementation, observed) } }
                }
            }
        }
    }

    private suspend fun dispatch(call: ApplicationCall) {
        val serviceName = call.parameters["service"]!!
        // before anything is looked up: an anonymous caller learns nothing of what is hosted
        if (!admitted(call, serviceName, call.parameters["method"]!!)) return
        val limit = deadlines.read(call, "$serviceName.${call.parameters["method"]}") ?: return
        val (descriptor, implementation) =
            hosted[serviceName] ?: return call.error(
                HttpStatusCode.NotFound,
                "UnknownService",
                "no service '${excerpt(serviceName)}' is hosted here",
            )
        val methodName = call.parameters["method"]!!
        val method =
            descriptor.method(methodName) ?: return call.error(
                HttpStatusCode.NotFound,
                "UnknownMethod",
                "service '$serviceName' has no method '${excerpt(methodName)}'",
            )
        dispatchRoutes[serviceName]?.get(methodName)?.let { call.attributes.put(ROUTE, it) }
        val type = binder.contentTypeOf(call)
        val binary = BinaryDispatchFormat.entries.firstOrNull { type != null && type.match(ContentType.parse(it.contentType)) }
        if (binary != null) return dispatchBinary(call, binary, serviceName, method, implementation, limit)
        if (!binder.isJson(call)) return errors.unsupported(call)
        val body = binder.readJson(call, "$serviceName.$methodName") ?: return
        val array =
            body as? JsonArray
                ?: return call.error(
                    HttpStatusCode.BadRequest,
                    "MalformedBody",
                    "the body of $serviceName.$methodName is not a JSON array of arguments",
                )
        if (array.size != method.parameters.size) {
            return call.error(
                HttpStatusCode.BadRequest,
                "WrongArguments",
                "$serviceName.$methodName takes ${method.parameters.size} argument(s) (${method.parameters.joinToString()}), got ${array.size}",
            )
        }
        val args = binder.dispatchArguments(call, serviceName, method, array) ?: return
        invokeAndRespond(call, serviceName, method, implementation, args, limit)
    }

    private suspend fun dispatchBinary(
        call: ApplicationCall,
        format: BinaryDispatchFormat,
        serviceName: String,
        method: MethodDescriptor,
        implementation: Any,
        limit: InboundLimit,
    ) {
        try {
            format.check(method)
        } catch (e: ConfigurationException) {
            return call.error(HttpStatusCode.UnsupportedMediaType, "UnsupportedMediaType", e.message ?: "")
        }
        val body = binder.readBody(call) ?: return
        val args =
            try {
                format.decodeArguments(method, body)
            } catch (e: ConfigurationException) {
                return call.error(HttpStatusCode.UnsupportedMediaType, "UnsupportedMediaType", e.message ?: "")
            } catch (e: Exception) {
                return call.error(
                    HttpStatusCode.BadRequest,
                    "MalformedBody",
                    "the body of $serviceName.${method.name} is not a valid ${format.channel.id} argument list " +
                        "(${method.parameters.joinToString()}): ${e.message?.lineSequence()?.first()}",
                )
            }
        method.parameters.forEachIndexed { i, p ->
            if (args[i] == null && p.type.rawClass.isPrimitive) {
                return call.error(
                    HttpStatusCode.BadRequest,
                    "BadArgument",
                    "argument '${p.name}' of $serviceName.${method.name} is missing",
                )
            }
        }
        val result = invokeOrAnswer(call, serviceName, method, implementation, args, limit) ?: return
        call.respondBytes(format.encodeResult(method, result.value), ContentType.parse(format.contentType), HttpStatusCode.OK)
    }

    private suspend fun rest(
        call: ApplicationCall,
        descriptor: ServiceDescriptor,
        method: MethodDescriptor,
        implementation: Any,
        observed: ObservedRoute,
    ) {
        call.attributes.put(ROUTE, observed)
        if (!admitted(call, descriptor.name, method.name)) return
        val limit = deadlines.read(call, "${descriptor.name}.${method.name}") ?: return
        val args = binder.restArguments(call, descriptor, method) ?: return
        invokeAndRespond(call, descriptor.name, method, implementation, args, limit, rest = true)
    }

    /**
     * The implementation's result, or null after answering its failure (a 500, or a 400 for a null
     * argument) or the end of its [limit] (504). Within a limit the implementation runs with the
     * [io.switchboard.CallDeadline] in its coroutine context, so its own calls inherit what remains.
     */
    private suspend fun invokeOrAnswer(
        call: ApplicationCall,
        serviceName: String,
        method: MethodDescriptor,
        implementation: Any,
        args: Array<Any?>,
        limit: InboundLimit,
        rest: Boolean = false,
    ): Invoked? {
        val deadline = limit.deadline
        val what = "$serviceName.${method.name}"
        if (!binder.nullsAllowed(call, what, method, args, rest)) return null
        if (deadline != null && deadline.isExpired) {
            errors.deadlinePassed(call, what, limit, started = false, failure = null)
            return null
        }
        val identity = call.attributes.getOrNull(CALLER)
        return try {
            if (deadline == null && identity == null) {
                Invoked(invokeImplementation(implementation, method, args))
            } else if (deadline == null) {
                withContext(identity!!) { Invoked(invokeImplementation(implementation, method, args)) }
            } else {
                withContext(if (identity == null) deadline else deadline + identity) {
                    withTimeoutOrNull(
                        deadline.remaining().toNanos().nanoseconds,
                    ) { Invoked(invokeImplementation(implementation, method, args)) }
                } ?: run {
                    errors.deadlinePassed(call, what, limit, started = true, failure = null)
                    null
                }
            }
        } catch (e: Throwable) {
            if (e is CancellationException) throw e
            if (deadline != null && deadline.remaining() <= DEADLINE_SLACK) {
                // it failed because its time ran out (its own calls, bounded by the same deadline, timed out): say so
                errors.deadlinePassed(call, what, limit, started = true, failure = e)
            } else {
                errors.failed(call, what, e, implementation.javaClass, method.method.name)
            }
            null
        }
    }

    /** Whether the call's caller may call [service].[method]; false after answering 401 or 403. */
    private suspend fun admitted(
        call: ApplicationCall,
        service: String,
        method: String,
    ): Boolean {
        val refusal = access.check(service, method, call.attributes.getOrNull(CALLER)) ?: return true
        when (refusal) {
            is Refusal.Unauthenticated -> errors.unauthenticated(call, excerpt(refusal.message, 200), access.challenges)
            is Refusal.Forbidden -> errors.forbidden(call, excerpt(refusal.message, 200))
        }
        return false
    }

    /** A result, which may be null. */
    private class Invoked(
        val value: Any?,
    )

    private suspend fun invokeAndRespond(
        call: ApplicationCall,
        serviceName: String,
        method: MethodDescriptor,
        implementation: Any,
        args: Array<Any?>,
        limit: InboundLimit,
        rest: Boolean = false,
    ) {
        val result = (invokeOrAnswer(call, serviceName, method, implementation, args, limit, rest) ?: return).value
        val raw = method.resultType.rawClass
        if (raw == Unit::class.java || raw == Void::class.java || raw == Void.TYPE) {
            call.respondBytes(NULL_JSON, ContentType.Application.Json, HttpStatusCode.OK)
        } else {
            call.respondBytes(codec.encode(result, method.resultType), ContentType.Application.Json, HttpStatusCode.OK)
        }
    }

    private companion object {
        val NULL_JSON = "null".toByteArray()
        val HEALTH_ROUTE = ObservedRoute("/health", null, null)

        /** An implementation failing with less than this left of its deadline failed because the deadline passed. */
        val DEADLINE_SLACK: java.time.Duration = java.time.Duration.ofMillis(1)
    }
}
