package io.switchboard.codec

import com.fasterxml.jackson.databind.JsonNode
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.switchboard.BodyType
import io.switchboard.bodyTypeOf
import kotlinx.serialization.Serializable
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.jsonPrimitive

@Serializable
data class Item(
    val id: Int,
    val label: String? = null,
)

/** A class compiled without the serialization plugin, as Java classes are. */
class Bean {
    var name: String = ""
    var size: Int = 0
}

class JsonCodecTest :
    FunSpec({
        val codec = JsonCodec()

        test("Kotlin serializable classes and generic lists round-trip through kotlinx-serialization") {
            val items = listOf(Item(1, "a"), Item(2))
            val bytes = codec.encode(items, bodyTypeOf<List<Item>>())
            bytes.decodeToString() shouldBe """[{"id":1,"label":"a"},{"id":2,"label":null}]"""
            codec.decode(bytes, bodyTypeOf<List<Item>>()) shouldBe items
        }

        test("unknown keys are ignored") {
            codec.decode("""{"id":3,"extra":true}""".toByteArray(), bodyTypeOf<Item>()) shouldBe Item(3)
        }

        test("JsonElement decodes any JSON") {
            val json = codec.decode("""{"a":"b"}""".toByteArray(), bodyTypeOf<JsonObject>()) as JsonObject
            json["a"]!!.jsonPrimitive.content shouldBe "b"
        }

        test("classes without a kotlinx serializer go through Jackson") {
            val bean = codec.decode("""{"name":"n","size":4,"other":1}""".toByteArray(), BodyType.of(Bean::class.java)) as Bean
            bean.name shouldBe "n"
            bean.size shouldBe 4
            codec.encode(bean, null).decodeToString() shouldBe """{"name":"n","size":4}"""
            (codec.decode("""{"x":[1,2]}""".toByteArray(), BodyType.of(JsonNode::class.java)) as JsonNode)["x"][1].asInt() shouldBe 2
        }

        test("a serializable value encodes from its runtime class when no type is given") {
            codec.encode(Item(5, "x"), null).decodeToString() shouldBe """{"id":5,"label":"x"}"""
            codec.encode(null, null).decodeToString() shouldBe "null"
        }
    })
