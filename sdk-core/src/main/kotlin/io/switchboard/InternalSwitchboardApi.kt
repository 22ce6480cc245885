package io.switchboard

/**
 * Marks declarations that are public only so that other Switchboard modules (the server, the test kit)
 * can use them. They are not API: they may change or disappear in any release, without notice.
 * Using one from outside Switchboard needs `@OptIn(InternalSwitchboardApi::class)`.
 */
@RequiresOptIn(
    level = RequiresOptIn.Level.ERROR,
    message = "This is Switchboard's internal API, shared between its modules; it may change in any release.",
)
@Retention(AnnotationRetention.BINARY)
@Target(
    AnnotationTarget.CLASS,
    AnnotationTarget.FUNCTION,
    AnnotationTarget.PROPERTY,
    AnnotationTarget.CONSTRUCTOR,
    AnnotationTarget.TYPEALIAS,
)
public annotation class InternalSwitchboardApi
