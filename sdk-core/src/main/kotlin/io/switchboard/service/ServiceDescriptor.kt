package io.switchboard.service

import io.switchboard.BodyType
import io.switchboard.ConfigurationException
import io.switchboard.InternalSwitchboardApi
import io.switchboard.config.parseDuration
import io.switchboard.internal.RetryOverrides
import java.lang.reflect.Method
import java.lang.reflect.Modifier
import java.lang.reflect.ParameterizedType
import java.lang.reflect.Type
import java.lang.reflect.WildcardType
import java.util.concurrent.CompletableFuture
import java.util.concurrent.ConcurrentHashMap
import kotlin.coroutines.Continuation

/** How a service method returns its result. */
@InternalSwitchboardApi
public enum class CallKind {
    /** A Kotlin `suspend` function. */
    SUSPEND,

    /** A method returning `CompletableFuture<R>`. */
    FUTURE,

    /** A plain blocking method. */
    BLOCKING,
}

/** Where a parameter goes in a REST call. */
@InternalSwitchboardApi
public enum class ParameterRole {
    /** Fills a `{name}` placeholder of the path. */
    PATH,

    /** A query parameter. */
    QUERY,

    /** A header. */
    HEADER,

    /** The request body. */
    BODY,
}

/**
 * One parameter of a service method.
 *
 * @property name the parameter's name (from `@Path`/`@Query`/`@Header`, else the compiled name).
 * @property role where it goes in a REST call.
 * @property type its type.
 * @property isNullable whether it may be null: as a Kotlin interface declares it; for Java, unless primitive or
 *   annotated `@NonNull`/`@Nonnull`/`@NotNull`.
 * @property description what its `@Description` says; null without one.
 */
@InternalSwitchboardApi
public class ParameterDescriptor internal constructor(
    public val name: String,
    public val role: ParameterRole,
    public val type: BodyType,
    public val isNullable: Boolean = true,
    public val description: String? = null,
) {
    override fun toString(): String = "$name: ${type.javaType.typeName}"
}

/**
 * One method of a service interface, parsed once: its name on the dispatch channel, its REST mapping,
 * its parameters and how it returns.
 *
 * @property method the Java method.
 * @property name the name the dispatch channel uses (the method's name).
 * @property httpMethod the REST method, or null when the method has no `@Get`/`@Post`/… annotation.
 * @property path the REST path, with the service's prefix, or null.
 * @property parameters the parameters, without a suspend function's continuation.
 * @property kind how the method returns.
 * @property resultType the type of the result (`R` of `CompletableFuture<R>` or of a suspend function).
 * @property idempotent what `@Idempotent` on the method (else on the interface) says; null when neither has it.
 * @property description what the method's `@Description` says; null without one.
 * @property isResultNullable whether the result may be null: as a Kotlin interface declares it; for Java, when the
 *   method is annotated `@Nullable`.
 */
@InternalSwitchboardApi
public class MethodDescriptor internal constructor(
    public val method: Method,
    public val name: String,
    public val httpMethod: String?,
    public val path: String?,
    public val parameters: List<ParameterDescriptor>,
    public val kind: CallKind,
    public val resultType: BodyType,
    public val idempotent: Boolean? = null,
    /** What `@Retry` on the method (else on the interface) sets, over the service's policy. */
    internal val retry: RetryOverrides? = null,
    public val description: String? = null,
    public val isResultNullable: Boolean = false,
) {
    /** `Interface.method`, for messages. */
    public val qualifiedName: String get() = "${method.declaringClass.simpleName}.${method.name}"

    override fun toString(): String = "$qualifiedName(${parameters.joinToString()})"
}

/**
 * A service interface, parsed once and cached: its name, description, REST prefix and methods.
 * Problems are reported naming the interface method and the fix.
 *
 * @property type the interface.
 * @property name the service name.
 * @property description the service description.
 * @property prefix the REST prefix.
 */
@InternalSwitchboardApi
public class ServiceDescriptor private constructor(
    public val type: Class<*>,
    public val name: String,
    public val description: String,
    public val prefix: String,
    private val byMethod: Map<Method, Lazy<MethodDescriptor>>,
) {
    /** Every method, parsed now; throws for the first bad one. */
    public val methods: List<MethodDescriptor> get() = byMethod.values.map { it.value }

    /** The descriptor of [method]. */
    public fun method(method: Method): MethodDescriptor =
        byMethod[method]?.value ?: throw ConfigurationException("${method.name} is not a method of service interface ${type.name}")

    /** The method the dispatch channel calls [name], or null. */
    public fun method(name: String): MethodDescriptor? =
        byMethod.entries
            .firstOrNull { it.key.name == name }
            ?.value
            ?.value

    /** Parses every method now and reports all problems at once. */
    public fun validate(): ServiceDescriptor {
        val problems = byMethod.values.mapNotNull { runCatching { it.value }.exceptionOrNull()?.message }
        if (problems.isNotEmpty()) {
            throw ConfigurationException(
                "service interface ${type.name} has ${problems.size} bad method(s):\n- " + problems.joinToString("\n- "),
            )
        }
        return this
    }

    override fun toString(): String = "ServiceDescriptor($name: ${type.name})"

    /** Parsing and the cache. */
    public companion object {
        private val cache = ConcurrentHashMap<Class<*>, ServiceDescriptor>()

        /** The descriptor of service interface [type]. */
        @JvmStatic
        public fun of(type: Class<*>): ServiceDescriptor = cache.computeIfAbsent(type, ::parse)

        private fun parse(type: Class<*>): ServiceDescriptor {
            if (!type.isInterface) {
                throw ConfigurationException(
                    "${type.name} is not an interface (expected: an interface annotated @Service)",
                )
            }
            val annotation = type.getAnnotation(Service::class.java)
            val name = annotation?.name?.takeIf { it.isNotBlank() } ?: type.simpleName.replaceFirstChar { it.lowercase() }
            val prefix = annotation?.path.orEmpty().trimEnd('/')
            val methods = type.methods.filter { !it.isDefault && !Modifier.isStatic(it.modifiers) }
            val overloaded = methods.groupBy { it.name }.filterValues { it.size > 1 }.keys
            val byMethod =
                methods.associateWith { method ->
                    lazy {
                        if (method.name in overloaded) {
                            throw ConfigurationException(
                                "${type.simpleName}.${method.name} is overloaded; service methods need distinct names (rename one of them)",
                            )
                        }
                        parseMethod(type, prefix, method)
                    }
                }
            val description =
                annotation?.description?.takeIf { it.isNotBlank() } ?: type.getAnnotation(Description::class.java)?.value.orEmpty()
            return ServiceDescriptor(type, name, description, prefix, byMethod)
        }

        private fun parseMethod(
            type: Class<*>,
            prefix: String,
            method: Method,
        ): MethodDescriptor {
            val where = "${type.simpleName}.${method.name}"
            val generic = method.genericParameterTypes
            val isSuspend = generic.isNotEmpty() && method.parameterTypes.last() == Continuation::class.java
            val (kind, result) =
                when {
                    isSuspend -> {
                        CallKind.SUSPEND to continuationResult(generic.last())
                    }

                    method.returnType == CompletableFuture::class.java -> {
                        CallKind.FUTURE to
                            ((method.genericReturnType as? ParameterizedType)?.actualTypeArguments?.first() ?: Any::class.java)
                    }

                    else -> {
                        CallKind.BLOCKING to method.genericReturnType
                    }
                }
            val (http, path) = httpMapping(method)
            val count = if (isSuspend) generic.size - 1 else generic.size
            var bodySeen = false
            val nullable = Nullability.of(method, count)
            val parameters =
                (0 until count).map { i ->
                    val parameter = method.parameters[i]
                    val annotations = method.parameterAnnotations[i]
                    val ptype = BodyType.of(generic[i])
                    val explicit =
                        annotations.firstNotNullOfOrNull { a ->
                            when (a) {
                                is Path -> ParameterDescriptor(a.value, ParameterRole.PATH, ptype)
                                is Query -> ParameterDescriptor(a.value, ParameterRole.QUERY, ptype)
                                is Header -> ParameterDescriptor(a.value, ParameterRole.HEADER, ptype)
                                is Body -> ParameterDescriptor(parameter.name, ParameterRole.BODY, ptype)
                                else -> null
                            }
                        }
                    val descriptor =
                        explicit ?: run {
                            if (!parameter.isNamePresent) {
                                throw unnamed(where, i)
                            }
                            // a GET carries no body (OkHttp drops it), so its structured parameters go in the query
                            val body = http != "GET" && !bodySeen && isStructured(ptype.rawClass)
                            val role = if (body) ParameterRole.BODY else ParameterRole.QUERY
                            ParameterDescriptor(parameter.name, role, ptype)
                        }
                    if (descriptor.role == ParameterRole.BODY) {
                        if (bodySeen) {
                            throw ConfigurationException("$where: more than one body parameter (keep one @Body; mark the others @Query)")
                        }
                        bodySeen = true
                    }
                    val text = annotations.filterIsInstance<Description>().firstOrNull()?.value
                    ParameterDescriptor(descriptor.name, descriptor.role, descriptor.type, nullable[i], text)
                }
            if (path != null) {
                val placeholders = Regex("""\{([^}]+)}""").findAll(path).map { it.groupValues[1] }.toSet()
                val bound = parameters.filter { it.role == ParameterRole.PATH }.map { it.name }.toSet()
                (placeholders - bound).firstOrNull()?.let {
                    throw ConfigurationException("$where: path $path has {$it} but no parameter is annotated @Path(\"$it\")")
                }
                (bound - placeholders).firstOrNull()?.let {
                    throw ConfigurationException("$where: parameter @Path(\"$it\") has no {$it} in path $path")
                }
            }
            return MethodDescriptor(
                method,
                method.name,
                http,
                path?.let { prefix + it },
                parameters,
                kind,
                BodyType.of(result),
                (method.getAnnotation(Idempotent::class.java) ?: type.getAnnotation(Idempotent::class.java))?.value,
                (method.getAnnotation(Retry::class.java) ?: type.getAnnotation(Retry::class.java))?.let { retryOverrides(where, it) },
                method.getAnnotation(Description::class.java)?.value,
                Nullability.ofResult(method),
            )
        }

        /** What [retry] sets, each value checked; the errors name [where] and the attribute. */
        private fun retryOverrides(
            where: String,
            retry: Retry,
        ): RetryOverrides {
            fun bad(
                attribute: String,
                value: String,
                expected: String,
            ): Nothing = throw ConfigurationException("$where: @Retry($attribute = $value) (expected: $expected)")
            if (retry.maxAttempts < 0) bad("maxAttempts", retry.maxAttempts.toString(), "at least 1, or 0 for the service's")
            retry.retryableStatuses.firstOrNull { it !in 300..599 }?.let {
                bad("retryableStatuses", retry.retryableStatuses.joinToString(", ", "{", "}"), "statuses from 300 to 599")
            }
            val timeout =
                retry.attemptTimeout.takeIf { it.isNotBlank() }?.let { text ->
                    parseDuration(text.trim())?.takeIf { !it.isNegative && !it.isZero }
                        ?: bad("attemptTimeout", "\"$text\"", "a duration above zero, such as 300ms, 2s or PT1S")
                }
            return RetryOverrides(
                maxAttempts = retry.maxAttempts.takeIf { it > 0 },
                retryableStatuses = retry.retryableStatuses.takeIf { it.isNotEmpty() }?.toSet(),
                attemptTimeout = timeout,
            )
        }

        private fun unnamed(
            where: String,
            index: Int,
        ) = ConfigurationException(
            "$where: parameter ${index + 1} has no name at run time; annotate it @Query(\"name\"), @Path(\"name\") or @Body, " +
                "or compile with -java-parameters (Kotlin) / -parameters (javac)",
        )

        private fun httpMapping(method: Method): Pair<String?, String?> {
            method.getAnnotation(Get::class.java)?.let { return "GET" to it.value.normalized() }
            method.getAnnotation(Post::class.java)?.let { return "POST" to it.value.normalized() }
            method.getAnnotation(Put::class.java)?.let { return "PUT" to it.value.normalized() }
            method.getAnnotation(Delete::class.java)?.let { return "DELETE" to it.value.normalized() }
            method.getAnnotation(Patch::class.java)?.let { return "PATCH" to it.value.normalized() }
            return null to null
        }

        private fun String.normalized(): String = if (startsWith("/")) this else "/$this"

        private fun continuationResult(type: Type): Type {
            val argument = (type as? ParameterizedType)?.actualTypeArguments?.first() ?: return Any::class.java
            return if (argument is WildcardType) argument.lowerBounds.firstOrNull() ?: Any::class.java else argument
        }

        /** Whether values of [type] travel as a body: anything but scalars and their boxes. */
        private fun isStructured(type: Class<*>): Boolean =
            !(
                type.isPrimitive || type == String::class.java || Number::class.java.isAssignableFrom(type) ||
                    type == java.lang.Boolean::class.java || type == Character::class.java || type.isEnum
            )
    }
}
