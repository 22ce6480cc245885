package io.switchboard.hostile

import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.switchboard.ServiceManager
import io.switchboard.server.ServiceServer
import io.switchboard.server.host
import io.switchboard.service.Channel
import io.switchboard.service.People
import io.switchboard.service.PeopleService
import io.switchboard.service.Person

/**
 * `allowedHosts`: a request naming another host (a page that rebound its own name to this server's address, say) is
 * answered 421 before anything runs; the names allowed, and the address the server registers, are served.
 */
class HostAllowListTest :
    FunSpec({
        val server =
            ServiceServer {
                host<PeopleService>(People("hosts"))
                allowedHosts("people.internal", "[::1]")
            }.startAsync().join()
        afterSpec { server.close() }

        fun withHost(host: String?): RawAnswer {
            val body = "[{\"id\":1,\"name\":\"a\"}]"
            val head =
                "POST /_dispatch/people/save HTTP/1.1\r\n" + (host?.let { "Host: $it\r\n" } ?: "") +
                    "Connection: close\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n"
            return rawExchange(server.port, (head + body).toByteArray())
        }

        test("another host, or none, is 421 naming it; the allowed names and the advertised address are served") {
            withHost("evil.example:${server.port}").let {
                it.status shouldBe 421
                it.body shouldContain "does not answer for host 'evil.example:${server.port}'"
            }
            withHost(null).status shouldBe 421
            withHost("people.internal").status shouldBe 200
            withHost("PEOPLE.internal.:${server.port}").status shouldBe 200
            withHost("[::1]:${server.port}").status shouldBe 200
            withHost("127.0.0.1:${server.port}").status shouldBe 200
            // the registered instance is reached by its advertised address, so callers through the registry get in
            ServiceManager { staticInstances("people", server.instances[0]) }.use { m ->
                m.getService<PeopleService>(Channel.DISPATCH_JSON).save(Person(2, "b")).name shouldBe "b"
            }
        }

        test("a host with a port is refused at configuration, as ports are not compared") {
            shouldThrow<IllegalArgumentException> { ServiceServer.builder().allowedHosts("people.internal:8080") }
                .message shouldContain "without scheme or port"
        }
    })
