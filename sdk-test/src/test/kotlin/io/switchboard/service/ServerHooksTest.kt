package io.switchboard.service

import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.switchboard.server.ServerStatus
import io.switchboard.server.ServiceServer
import io.switchboard.server.host
import java.time.Duration
import java.util.concurrent.atomic.AtomicBoolean

class LifecyclePeople(
    private val events: MutableList<String>,
) : PeopleService by People("lifecycle"),
    io.switchboard.server.Lifecycle {
    override fun onStart() {
        events += "component start"
    }

    override fun onStop() {
        events += "component stop"
    }
}

class ServerHooksTest :
    FunSpec({
        test("start-up and shut-down hooks run around listening, components included, with the status") {
            val events = mutableListOf<String>()
            val server =
                ServiceServer {
                    host<PeopleService>(LifecyclePeople(events))
                    onStart { events += "hook start" }
                    onStop { events += "hook stop" }
                }
            server.status shouldBe ServerStatus.VIRGIN
            server.start()
            server.status shouldBe ServerStatus.RUNNING
            events shouldBe listOf("hook start", "component start")
            server.stop()
            server.status shouldBe ServerStatus.STOPPED
            events shouldBe listOf("hook start", "component start", "component stop", "hook stop")
        }
    })
