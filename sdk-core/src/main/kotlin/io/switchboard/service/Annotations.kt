package io.switchboard.service

import kotlinx.serialization.ExperimentalSerializationApi
import kotlinx.serialization.SerialInfo

/**
 * Marks an interface as a service: callers get a proxy of it ([io.switchboard.ServiceManager.getService]),
 * a server hosts an implementation of it.
 *
 * @property name the service name in the registry; the interface's simple name, decapitalised, when empty.
 * @property description what the service does.
 * @property path a prefix for every method's REST path.
 */
@Target(AnnotationTarget.CLASS)
@Retention(AnnotationRetention.RUNTIME)
@MustBeDocumented
public annotation class Service(
    val name: String = "",
    val description: String = "",
    val path: String = "",
)

/**
 * What a service, a method, a parameter or a field is for, in words for the people who read the service's
 * OpenAPI document (`ServiceServerBuilder.openApi`) and its Swagger UI page.
 *
 * On a service interface it is the service's description, unless `@Service(description = …)` gives one. On a
 * method, it describes the operation; on a parameter, the parameter. On a property of a `@Serializable` class
 * (write `@property:Description` on a constructor property) or on a field of a Java class or record, it describes
 * that field in the type's JSON schema.
 *
 * @property value the description; Markdown is allowed, as OpenAPI allows it.
 */
@OptIn(ExperimentalSerializationApi::class)
@SerialInfo
@Target(
    AnnotationTarget.CLASS,
    AnnotationTarget.FUNCTION,
    AnnotationTarget.VALUE_PARAMETER,
    AnnotationTarget.PROPERTY,
    AnnotationTarget.FIELD,
)
@Retention(AnnotationRetention.RUNTIME)
@MustBeDocumented
public annotation class Description(
    val value: String,
)

/** A GET on path [value] (relative to the service's prefix; `{name}` placeholders are filled from `@Path` parameters). */
@Target(AnnotationTarget.FUNCTION)
@Retention(AnnotationRetention.RUNTIME)
public annotation class Get(
    val value: String = "",
)

/** A POST on path [value]. */
@Target(AnnotationTarget.FUNCTION)
@Retention(AnnotationRetention.RUNTIME)
public annotation class Post(
    val value: String = "",
)

/** A PUT on path [value]. */
@Target(AnnotationTarget.FUNCTION)
@Retention(AnnotationRetention.RUNTIME)
public annotation class Put(
    val value: String = "",
)

/** A DELETE on path [value]. */
@Target(AnnotationTarget.FUNCTION)
@Retention(AnnotationRetention.RUNTIME)
public annotation class Delete(
    val value: String = "",
)

/** A PATCH on path [value]. */
@Target(AnnotationTarget.FUNCTION)
@Retention(AnnotationRetention.RUNTIME)
public annotation class Patch(
    val value: String = "",
)

/** The parameter fills the `{value}` placeholder of the method's path. */
@Target(AnnotationTarget.VALUE_PARAMETER)
@Retention(AnnotationRetention.RUNTIME)
public annotation class Path(
    val value: String,
)

/** The parameter is sent as query parameter [value]. */
@Target(AnnotationTarget.VALUE_PARAMETER)
@Retention(AnnotationRetention.RUNTIME)
public annotation class Query(
    val value: String,
)

/** The parameter is sent as header [value]. */
@Target(AnnotationTarget.VALUE_PARAMETER)
@Retention(AnnotationRetention.RUNTIME)
public annotation class Header(
    val value: String,
)

/** The parameter is the request body (JSON). */
@Target(AnnotationTarget.VALUE_PARAMETER)
@Retention(AnnotationRetention.RUNTIME)
public annotation class Body

/**
 * Calls of this method may be repeated safely, so a failed attempt is retried on another instance as a
 * GET's is (after a broken connection, a timeout, a retryable status such as 503), even when it travels
 * as a POST — every dispatch call does. On the interface, it applies to each method without its own;
 * `@Idempotent(false)` on a method opts it out, so it is retried only when the request provably never
 * reached the application.
 *
 * It wins over the service's setting (`ServiceSettings.idempotent`, YAML `services.<name>.idempotent`).
 *
 * @property value whether calls of the method may be repeated.
 */
@Target(AnnotationTarget.FUNCTION, AnnotationTarget.CLASS)
@Retention(AnnotationRetention.RUNTIME)
@MustBeDocumented
public annotation class Idempotent(
    val value: Boolean = true,
)

/**
 * The retry policy of this method's calls, refining its service's (else the manager's): what is left at
 * its default keeps that policy's value. `@Retry(maxAttempts = 1)` turns retries off for the method;
 * `@Retry(maxAttempts = 5)` allows five attempts, and whether each failure may be retried still depends
 * on the call being idempotent (see [Idempotent]). On the interface, it applies to each method without
 * its own.
 *
 * @property maxAttempts attempts per call, the first included (at least 1); 0 keeps the service's.
 * @property retryableStatuses the statuses after which an idempotent call is retried (300..599); empty keeps the service's.
 * @property attemptTimeout how long one attempt may take, written as in YAML (`300ms`, `2s`, `PT1S`); empty keeps the service's.
 */
@Target(AnnotationTarget.FUNCTION, AnnotationTarget.CLASS)
@Retention(AnnotationRetention.RUNTIME)
@MustBeDocumented
public annotation class Retry(
    val maxAttempts: Int = 0,
    val retryableStatuses: IntArray = [],
    val attemptTimeout: String = "",
)
