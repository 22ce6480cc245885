package io.switchboard.service

import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.nulls.shouldNotBeNull
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.switchboard.ConfigurationException
import io.switchboard.RequestOptions
import io.switchboard.ServiceManager
import io.switchboard.balancer.LoadBalancers
import io.switchboard.discovery.InMemoryRegistry
import io.switchboard.server.ServiceServer
import io.switchboard.server.host

/** One interface, hosted by sdk-server, called through proxies over every channel. */
class ServiceInterfaceTest :
    FunSpec({
        val registry = InMemoryRegistry()
        val servers =
            List(3) { i -> ServiceServer { host<PeopleService>(People("server-$i")).registry(registry) }.startAsync().join() }
        val manager =
            ServiceManager {
                discovery(registry).localService(PeopleService::class.java, People("local"))
                loadBalancer(LoadBalancers.ROUND_ROBIN) // "share the calls" below counts on taking each in turn
            }
        afterSpec {
            manager.close()
            servers.forEach(ServiceServer::close)
        }

        for (channel in Channel.entries) {
            test("a Kotlin proxy over ${channel.id}: nested classes, lists, maps, nullables and Unit") {
                ServiceManager {
                    discovery(registry)
                    localService(PeopleService::class.java, People("local"))
                    loadBalancer("people", { _ -> io.switchboard.spi.LoadBalancer { instances, _ -> instances[0] } })
                }.use { m ->
                    val people = m.getService<PeopleService>(channel)
                    val ada = Person(1, "Ada", Address("1 Loop", "London"), listOf("math"), mapOf("chess" to 3))
                    people.save(ada) shouldBe ada
                    people.save(Person(2, "Adam")) shouldBe Person(2, "Adam")
                    people.find(1) shouldBe ada
                    people.find(99) shouldBe null
                    people.search("Ad", 10).map { it.id } shouldBe listOf(1, 2)
                    people.search("Ad", 1).map { it.id } shouldBe listOf(1)
                    people.search("nobody", 5) shouldBe emptyList()
                    people.save(Person(3, "Eve", tags = emptyList(), scores = emptyMap())) shouldBe Person(3, "Eve")
                    people.remove(2) shouldBe Unit
                    people.find(2) shouldBe null
                    people.whoami("kotlin") shouldBe "hello kotlin"
                }
            }
        }

        test("a failure on the remote side comes back typed, with the remote type, message and status") {
            for (channel in listOf(Channel.DISPATCH_JSON)) {
                // an exception's message may hold secrets: the caller gets an error id the server logged it under
                val e = shouldThrow<RemoteServiceException> { manager.getService<PeopleService>(channel).fail("boom") }
                e.remoteType shouldBe "InternalError"
                val id = e.errorId.shouldNotBeNull()
                e.remoteMessage shouldBe "people.fail failed; the server logged it with error id $id"
                e.status shouldBe 500
            }
            shouldThrow<IllegalStateException> { manager.getService<PeopleService>(Channel.LOCAL).fail("local boom") }.message shouldBe
                "local boom"
        }

        test("the three hosted instances share the calls") {
            val people = manager.getService<PeopleService>(Channel.DISPATCH_JSON)
            List(6) { people.instance() }.toSet() shouldBe setOf("server-0", "server-1", "server-2")
            val rest = manager.getService<PeopleService>(Channel.REST)
            List(6) { rest.instance() }.toSet() shouldBe setOf("server-0", "server-1", "server-2")
        }

        test("hosted services are registered with their bound port and channels, and deregistered on stop") {
            val instances = registry.snapshot("people")
            instances.map { it.port }.toSet() shouldBe servers.map { it.port }.toSet()
            instances.forEach {
                it.metadata[DispatchProtocol.CHANNELS_METADATA] shouldBe
                    "dispatch-json,dispatch-msgpack,dispatch-protobuf,rest"
            }
            val extra = ServiceServer { host<PeopleService>(People("extra")).registry(registry) }.start()
            registry.snapshot("people").size shouldBe 4
            extra.stop()
            registry.snapshot("people").size shouldBe 3
        }

        test("the rest channel needs an HTTP mapping; the message names the method and the fix") {
            shouldThrow<ConfigurationException> { manager.getService<PeopleService>(Channel.REST).fail("x") }.message shouldBe
                "PeopleService.fail has no @Get/@Post/@Put/@Delete/@Patch, so it cannot go over the rest channel (annotate it, or use dispatch-json)"
        }

        test("bad input gets a JSON error naming what was wrong, and the server keeps serving") {
            val server = servers[0]
            ServiceManager { staticInstances("raw", server.instances[0].withServiceName("raw")) }.use { raw ->
                suspend fun post(
                    path: String,
                    body: String,
                    contentType: String = "application/json",
                ): Pair<Int, String> =
                    raw.rawPost("raw", path, RequestOptions { bytes(body.toByteArray(), contentType) }) {
                        it.status to
                            it.text()
                    }

                post("/_dispatch/nobody/find", "[1]").let { (status, text) ->
                    status shouldBe 404
                    text shouldContain "no service 'nobody' is hosted here"
                    text.contains("people") shouldBe false
                }
                post("/_dispatch/people/lose", "[1]").let { (status, text) ->
                    status shouldBe 404
                    text shouldContain "service 'people' has no method 'lose'"
                }
                post("/_dispatch/people/find", "{not json").let { (status, text) ->
                    status shouldBe 400
                    text shouldContain "the body of people.find is not valid JSON: Unexpected character"
                }
                post("/_dispatch/people/search", "[\"a\"]").let { (status, text) ->
                    status shouldBe 400
                    text shouldContain "people.search takes 2 argument(s) (name: java.lang.String, limit: int), got 1"
                }
                post("/_dispatch/people/search", "[\"a\", \"many\"]").let { (status, text) ->
                    status shouldBe 400
                    text shouldContain "argument 'limit' (2 of 2) of people.search cannot be read as int"
                }
                post("/_dispatch/people/find", "[1]", "text/plain").let { (status, text) ->
                    status shouldBe 415
                    text shouldContain "expected: application/json"
                }
                post("/_dispatch/people/save", "[\"" + "x".repeat(2 shl 20) + "\"]").let { (status, text) ->
                    status shouldBe 413
                    text shouldContain "limit 1048576"
                }
                post("/_dispatch/people/fail", "[\"kaput\"]").let { (status, text) ->
                    status shouldBe 500
                    text shouldContain "\"type\":\"InternalError\""
                    text.contains("kaput") shouldBe false
                    text.contains("IllegalStateException") shouldBe false
                    text.contains("at io.switchboard") shouldBe false
                }
                post("/_dispatch/people/search", "[\"nobody\", 3]").first shouldBe 200
            }
        }

        test("eager validation reports every bad method with its fix") {
            val e = shouldThrow<ConfigurationException> { ServiceManager { eagerValidation(true) }.use { it.getService<BadService>() } }
            e.message shouldContain "service interface io.switchboard.service.BadService has 3 bad method(s)"
            e.message shouldContain "BadService.twice is overloaded"
            e.message shouldContain "BadService.lookup: path /things/{id} has {id} but no parameter is annotated @Path(\"id\")"
        }
    })

interface BadService {
    suspend fun twice(a: Int): Int

    suspend fun twice(
        a: Int,
        b: Int,
    ): Int

    @Get("/things/{id}")
    suspend fun lookup(key: String): String
}
