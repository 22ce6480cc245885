package io.switchboard.discovery

import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.switchboard.ServiceInstance

class InMemoryRegistryTest :
    FunSpec({
        val a = ServiceInstance("svc", "127.0.0.1", 8001)
        val b = ServiceInstance("svc", "127.0.0.1", 8002)

        test("register, re-register, deregister and notify subscribers with the full list") {
            val registry = InMemoryRegistry()
            val seen = mutableListOf<List<Int>>()
            val handle = registry.subscribe("svc") { _, list -> seen += list.map { it.port } }
            registry.register(a)
            registry.register(b)
            registry.register(b.withWeight(3.0))
            registry.instances("svc").map { it.weight } shouldBe listOf(1.0, 3.0)
            registry.deregister(a)
            registry.deregister(a)
            handle.close()
            registry.deregister(b)
            seen shouldBe listOf(listOf(8001), listOf(8001, 8002), listOf(8001, 8002), listOf(8002))
            registry.instances("svc") shouldBe emptyList()
            registry.knownServices() shouldBe setOf("svc")
        }

        test("the same list object is returned until something changes") {
            val registry = InMemoryRegistry()
            registry.add(a)
            val first = registry.snapshot("svc")
            (registry.snapshot("svc") === first) shouldBe true
            registry.add(b)
            (registry.snapshot("svc") === first) shouldBe false
        }

        test("static lists win over another discovery for the services they name") {
            val static = InMemoryRegistry().apply { replace("svc", listOf(a)) }
            val other =
                InMemoryRegistry().apply {
                    replace("svc", listOf(b))
                    replace("other", listOf(b.withServiceName("other")))
                }
            val composite = CompositeDiscovery(listOf(static, other))
            composite.instances("svc") shouldBe listOf(a)
            composite.instances("other").single().port shouldBe 8002
            composite.knownServices() shouldBe setOf("svc", "other")
        }
    })
