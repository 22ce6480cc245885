package io.switchboard.service

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
