package io.switchboard.client

import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import kotlinx.serialization.Serializable

@Serializable
data class UserQuery(
    val userId: Int,
    val verbose: Boolean = false,
    val tags: List<String> = emptyList(),
)

class ParameterObjectTest :
    FunSpec({
        test("a request object is built from named parameters, with defaults for the rest") {
            parameterObject<UserQuery>("userId" to 7, "tags" to listOf("a")) shouldBe UserQuery(7, false, listOf("a"))
        }

        test("a parameter of the wrong type names the type") {
            shouldThrow<IllegalArgumentException> { parameterObject<UserQuery>("userId" to "seven") }.message shouldContain "UserQuery"
        }
    })
