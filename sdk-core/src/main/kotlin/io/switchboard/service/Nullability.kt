package io.switchboard.service

import java.lang.reflect.AnnotatedElement
import java.lang.reflect.Method
import kotlin.metadata.KmClassifier
import kotlin.metadata.KmFunction
import kotlin.metadata.isNullable
import kotlin.metadata.jvm.KotlinClassMetadata
import kotlin.metadata.jvm.signature

/**
 * Which parameters of a service method may be null: what a Kotlin interface declares (read from its
 * `@Metadata` with kotlin-metadata-jvm, so `String` and `String?` differ), and for a Java interface every
 * reference type unless the parameter carries a runtime `@NonNull`, `@Nonnull` or `@NotNull` (JSpecify,
 * Jakarta, JSR 305, Checker Framework…). Primitives never may. A hosting server answers a null for a
 * parameter that may not be null with 400 naming it, before the implementation runs.
 */
internal object Nullability {
    private val nonNullNames = setOf("NonNull", "Nonnull", "NotNull")

    /** For each of the first [count] parameters of [method], whether it may be null. */
    fun of(
        method: Method,
        count: Int,
    ): BooleanArray {
        val types = method.parameterTypes
        val declared = kotlinDeclared(method)
        return BooleanArray(count) { i ->
            when {
                types[i].isPrimitive -> false
                declared != null && i < declared.size -> declared[i]
                declared != null -> true
                else -> !annotatedNonNull(method.parameters[i]) && !annotatedNonNull(method.parameters[i].annotatedType)
            }
        }
    }

    /**
     * Whether [method]'s result may be null: as a Kotlin interface declares it (a type parameter may be null); for a
     * Java interface, when the method or its return type is annotated `@Nullable`.
     */
    fun ofResult(method: Method): Boolean {
        val function = kotlinFunction(method)
        if (function != null) return function.returnType.isNullable || function.returnType.classifier is KmClassifier.TypeParameter
        return (method.annotations.asSequence() + method.annotatedReturnType.annotations.asSequence())
            .any { it.annotationClass.java.simpleName == "Nullable" }
    }

    /** The declared nullability of [method]'s value parameters, when its interface is Kotlin; null otherwise. */
    private fun kotlinDeclared(method: Method): List<Boolean>? {
        val function = kotlinFunction(method) ?: return null
        // a type parameter (`T`) may stand for a nullable type: it is not checked
        return function.valueParameters.map { it.type.isNullable || it.type.classifier is KmClassifier.TypeParameter }
    }

    /** [method] as its Kotlin interface's metadata declares it; null for a Java interface. */
    private fun kotlinFunction(method: Method): KmFunction? {
        val annotation = method.declaringClass.getAnnotation(Metadata::class.java) ?: return null
        val metadata = runCatching { KotlinClassMetadata.readLenient(annotation) }.getOrNull() as? KotlinClassMetadata.Class ?: return null
        val signature = method.name + descriptor(method)
        return metadata.kmClass.functions.firstOrNull { it.signature?.toString() == signature }
    }

    private fun annotatedNonNull(element: AnnotatedElement): Boolean =
        element.annotations.any {
            it.annotationClass.java.simpleName in
                nonNullNames
        }

    /** The JVM descriptor of [method], such as `(Ljava/lang/String;I)V`. */
    private fun descriptor(method: Method): String =
        method.parameterTypes.joinToString("", "(", ")") { descriptor(it) } + descriptor(method.returnType)

    private fun descriptor(type: Class<*>): String =
        when {
            type == Void.TYPE -> "V"
            type == java.lang.Boolean.TYPE -> "Z"
            type == java.lang.Byte.TYPE -> "B"
            type == java.lang.Character.TYPE -> "C"
            type == java.lang.Short.TYPE -> "S"
            type == java.lang.Integer.TYPE -> "I"
            type == java.lang.Long.TYPE -> "J"
            type == java.lang.Float.TYPE -> "F"
            type == java.lang.Double.TYPE -> "D"
            type.isArray -> type.name.replace('.', '/')
            else -> "L" + type.name.replace('.', '/') + ";"
        }
}
