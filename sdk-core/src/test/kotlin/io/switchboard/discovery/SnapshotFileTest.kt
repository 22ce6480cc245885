package io.switchboard.discovery

import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldContainExactly
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.kotest.matchers.types.shouldBeInstanceOf
import io.switchboard.ServiceInstance
import java.nio.file.Files
import java.time.Duration
import java.time.Instant

/** The snapshot file: what is written comes back whole; what must not be served is refused, saying why. */
class SnapshotFileTest :
    FunSpec({
        val registry = "nacos 10.0.0.5:8848 (namespace 'prod', group DEFAULT_GROUP)"
        val orders =
            listOf(
                ServiceInstance("orders", "10.0.0.7", 8080, "orders-1", weight = 2.5, cluster = "east", metadata = mapOf("zone" to "a")),
                ServiceInstance("orders", "10.0.0.8", 8443, "orders-2", secure = true, healthy = false),
            )
        val updated = Instant.parse("2026-12-01T10:15:30Z")
        val now = Instant.parse("2026-12-02T10:15:30Z")

        fun file() = Files.createTempDirectory("snapshot").resolve("sub/instances.json")

        test("every field of every instance comes back as written, with when the registry gave it") {
            val path = file()
            SnapshotFile.write(path, registry, mapOf("orders" to SnapshotEntry(orders, updated)), now)
            val read = SnapshotFile.read(path, registry, Duration.ofDays(7), now).shouldBeInstanceOf<SnapshotRead.Loaded>()
            read.writtenAt shouldBe now
            read.entries.keys shouldContainExactly setOf("orders")
            val back = read.entries.getValue("orders")
            back.updatedAt shouldBe updated
            back.instances.map { listOf(it.instanceId, it.address, it.secure, it.weight, it.healthy, it.cluster, it.metadata) } shouldBe
                orders.map { listOf(it.instanceId, it.address, it.secure, it.weight, it.healthy, it.cluster, it.metadata) }
            // the write left no temporary file behind
            Files.list(path.parent).use { it.map { p -> p.fileName.toString() }.toList() } shouldContainExactly listOf("instances.json")
        }

        test("no file is Missing, not an error") {
            SnapshotFile.read(file(), registry, Duration.ofDays(7), now) shouldBe SnapshotRead.Missing
        }

        test("a corrupt, foreign, future-versioned, invalid or oversized file is refused, naming why") {
            fun refusal(text: String): String {
                val path = file()
                Files.createDirectories(path.parent)
                Files.writeString(path, text)
                return SnapshotFile.read(path, registry, Duration.ofDays(7), now).shouldBeInstanceOf<SnapshotRead.Refused>().reason
            }
            refusal("{\"format\": \"switchboard-instance-snap") shouldContain "it is not a valid snapshot"
            refusal("""{"format":"other","version":1,"registry":"x","writtenAt":"$now"}""") shouldContain
                "its format is 'other' (expected: 'switchboard-instance-snapshot')"
            refusal("""{"format":"switchboard-instance-snapshot","version":2,"registry":"x","writtenAt":"$now"}""") shouldContain
                "version 2 of the format (this Switchboard reads version 1)"
            refusal(
                """{"format":"switchboard-instance-snapshot","version":1,"registry":"zookeeper z:2181 (root /services)","writtenAt":"$now"}""",
            ) shouldContain
                "it was written for zookeeper z:2181 (root /services), and this manager's registry is nacos 10.0.0.5:8848"
            refusal(
                """{"format":"switchboard-instance-snapshot","version":1,"registry":"$registry","writtenAt":"yesterday"}""",
            ) shouldContain
                "its writtenAt 'yesterday' is not a time"
            refusal(
                """{"format":"switchboard-instance-snapshot","version":1,"registry":"$registry","writtenAt":"$now",""" +
                    """"services":{"orders":{"updatedAt":"$now","instances":[{"host":"h","port":70000,"instanceId":"i"}]}}}""",
            ) shouldContain "service 'orders' has an invalid instance: port of orders at h: 70000"
            val huge = file()
            Files.createDirectories(huge.parent)
            Files.write(huge, ByteArray((SnapshotFile.MAX_BYTES + 1).toInt()))
            SnapshotFile.read(huge, registry, Duration.ofDays(7), now).shouldBeInstanceOf<SnapshotRead.Refused>().reason shouldContain
                "bytes long (a snapshot is at most"
        }

        test("a snapshot older than max-age is refused with its age") {
            val path = file()
            SnapshotFile.write(path, registry, mapOf("orders" to SnapshotEntry(orders, updated)), now)
            val later = now.plus(Duration.ofDays(9)).plusSeconds(3 * 3600)
            SnapshotFile.read(path, registry, Duration.ofDays(7), later).shouldBeInstanceOf<SnapshotRead.Refused>().reason shouldBe
                "it was written at $now, 9 d 3 h ago, longer ago than its max-age of 7 d 0 h"
        }
    })
