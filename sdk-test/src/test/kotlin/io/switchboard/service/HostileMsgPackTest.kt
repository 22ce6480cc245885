package io.switchboard.service

import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.switchboard.RequestOptions
import io.switchboard.ServiceManager
import io.switchboard.server.ServiceServer
import io.switchboard.server.host

/**
 * MessagePack bodies that lie about their sizes are refused with a 400 naming the lie, before anything is
 * allocated for them; the server keeps serving. (A 19-byte body declaring 2^31-1 list elements once threw
 * `OutOfMemoryError` on the server.)
 */
class HostileMsgPackTest :
    FunSpec({
        val server = ServiceServer { host<PeopleService>(People("msgpack")) }.startAsync().join()
        val manager = ServiceManager { staticInstances("raw", server.instances[0].withServiceName("raw")) }
        val people = ServiceManager { staticInstances("people", server.instances[0]) }
        afterSpec {
            manager.close()
            people.close()
            server.close()
        }

        suspend fun post(
            method: String,
            vararg bytes: Int,
        ): Pair<Int, String> =
            manager.rawPost(
                "raw",
                "/_dispatch/people/$method",
                RequestOptions { bytes(ByteArray(bytes.size) { bytes[it].toByte() }, "application/msgpack") },
            ) { it.status to it.text() }

        test("a list declaring 2^31-1 elements in an 11-byte body is a 400, and the server keeps serving") {
            // save([Person(id = 1, name = "a", address = nil, tags = <array32 of 2147483647>, …)])
            post("save", 0x91, 0x95, 0x01, 0xa1, 0x61, 0xc0, 0xdd, 0x7f, 0xff, 0xff, 0xff).let { (status, text) ->
                status shouldBe 400
                text shouldContain "declares 2147483647 element(s), but only 0 byte(s) follow"
            }
            // the same with a map32 for scores
            post("save", 0x91, 0x95, 0x01, 0xa1, 0x61, 0xc0, 0x90, 0xdf, 0x7f, 0xff, 0xff, 0xff).let { (status, text) ->
                status shouldBe 400
                text shouldContain "a map for"
            }
            // a string header longer than the whole body
            post("search", 0x92, 0xdb, 0x7f, 0xff, 0xff, 0xff, 0x61, 0x05).first shouldBe 400
            people.getService<PeopleService>(Channel.DISPATCH_MSGPACK).save(Person(7, "seven")).name shouldBe "seven"
        }

        test("a wrong number of fields or arguments, and bytes after the value, are 400s") {
            // search takes two arguments: three given
            post("search", 0x93, 0xa1, 0x61, 0x05, 0x05).let { (status, text) ->
                status shouldBe 400
                text shouldContain "has 2 field(s), the array has 3"
            }
            // a valid search, then a stray nil
            post("search", 0x92, 0xa1, 0x61, 0x05, 0xc0).let { (status, text) ->
                status shouldBe 400
                text shouldContain "1 byte(s) after the value"
            }
            // and the valid one is answered
            post("search", 0x92, 0xa1, 0x61, 0x05).first shouldBe 200
        }
    })
