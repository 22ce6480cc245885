package io.switchboard.service

import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.switchboard.ServiceManager
import io.switchboard.discovery.InMemoryRegistry
import io.switchboard.server.ServerStatus
import io.switchboard.server.ServiceServer
import io.switchboard.server.host
import io.switchboard.test.TestHttpServer
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.delay
import kotlinx.coroutines.withContext
import java.time.Duration
import java.util.concurrent.atomic.AtomicBoolean

class AdvertisedChannelTest :
    FunSpec({
        test("without a channel, a proxy uses what the instances advertise, and rest for plain HTTP instances") {
            ServiceServer { host<PeopleService>(People("advertised")) }.start().use { server ->
                val base = server.instances[0]
                for ((metadata, expected) in listOf(
                    mapOf(DispatchProtocol.CHANNELS_METADATA to "dispatch-protobuf,rest") to "/_dispatch/people/instance",
                    mapOf(DispatchProtocol.CHANNELS_METADATA to "rest") to "/api/instance",
                    emptyMap<String, String>() to "/api/instance",
                )) {
                    val paths = mutableListOf<String>()
                    ServiceManager {
                        staticInstances("people", base.withMetadata(metadata))
                        addInterceptor(
                            object : io.switchboard.spi.Interceptor {
                                override val name = "paths"

                                override suspend fun beforeRequest(context: io.switchboard.RequestContext) {
                                    paths += context.path
                                }
                            },
                        )
                    }.use { manager ->
                        manager.getService<PeopleService>().instance() shouldBe "advertised"
                    }
                    paths shouldBe listOf(expected)
                }
            }
        }
    })
