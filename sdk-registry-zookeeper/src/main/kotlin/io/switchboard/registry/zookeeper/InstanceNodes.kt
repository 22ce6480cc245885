package io.switchboard.registry.zookeeper

import io.switchboard.ServiceInstance
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.JsonElement
import kotlinx.serialization.json.JsonNull
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.JsonPrimitive
import kotlinx.serialization.json.booleanOrNull
import kotlinx.serialization.json.buildJsonArray
import kotlinx.serialization.json.buildJsonObject
import kotlinx.serialization.json.contentOrNull
import kotlinx.serialization.json.intOrNull
import kotlinx.serialization.json.longOrNull
import kotlinx.serialization.json.put
import kotlinx.serialization.json.putJsonObject
import org.apache.curator.x.discovery.ServiceType
import org.apache.curator.x.discovery.UriSpec
import org.apache.curator.x.discovery.details.InstanceSerializer
import org.slf4j.LoggerFactory
import java.util.UUID
import org.apache.curator.x.discovery.ServiceInstance as CuratorInstance

/** What an instance node carries besides the address: Spring Cloud Zookeeper's `ZookeeperInstance` (id, name, metadata). */
internal class NodePayload(
    val id: String?,
    val name: String?,
    val metadata: Map<String, String>,
)

/**
 * Instance nodes as Curator x-discovery and Spring Cloud Zookeeper write and read them: the JSON of
 * Curator's `ServiceInstance` (`name`, `id`, `address`, `port`, `sslPort`, `payload`,
 * `registrationTimeUTC`, `serviceType`, `uriSpec`), whose payload is Spring's `ZookeeperInstance`
 * (typed by its `@class`, so that Spring's deserializer accepts it) with the instance's metadata.
 *
 * Reading is lenient, unlike Curator's own serializer: any payload class is accepted (its `metadata`
 * read if it has one), and a node that is not such JSON at all yields an instance without an address,
 * which [toSwitchboard] refuses, so that one bad node never hides a service's other instances.
 */
internal object InstanceNodes : InstanceSerializer<NodePayload> {
    /** The payload class Spring Cloud Zookeeper writes and reads. */
    const val SPRING_PAYLOAD_CLASS: String = "org.springframework.cloud.zookeeper.discovery.ZookeeperInstance"

    /** Spring Cloud Zookeeper's status key in the payload's metadata: `UP` or `OUT_OF_SERVICE`. */
    const val STATUS_KEY: String = "instance_status"

    /** The metadata key of a weight (Spring Cloud Zookeeper has none of its own). */
    const val WEIGHT_KEY: String = "weight"

    /** The metadata key of a cluster. */
    const val CLUSTER_KEY: String = "cluster"

    private val mappedKeys = setOf(STATUS_KEY, WEIGHT_KEY, CLUSTER_KEY)

    private val json = Json
    private val log = LoggerFactory.getLogger(InstanceNodes::class.java)

    /** The node of [instance] under Curator's model. */
    fun toCurator(instance: ServiceInstance): CuratorInstance<NodePayload> {
        val metadata = LinkedHashMap(instance.metadata)
        metadata[STATUS_KEY] = if (instance.healthy) "UP" else "OUT_OF_SERVICE"
        if (instance.weight != 1.0) metadata[WEIGHT_KEY] = instance.weight.toString()
        if (instance.cluster != ServiceInstance.DEFAULT_CLUSTER) metadata[CLUSTER_KEY] = instance.cluster
        return CuratorInstance
            .builder<NodePayload>()
            .name(instance.serviceName)
            .id(instance.instanceId)
            .address(instance.host)
            .apply { if (instance.secure) sslPort(instance.port) else port(instance.port) }
            .payload(NodePayload(instance.serviceName, instance.serviceName, metadata))
            .serviceType(ServiceType.DYNAMIC)
            .uriSpec(UriSpec("{scheme}://{address}:{port}"))
            .build()
    }

    /**
     * The Switchboard instance a node describes, or null (with a warning) when it has no address or port.
     * `sslPort` set means HTTPS; `instance_status` other than `UP` or Curator's `enabled: false` mean
     * unhealthy; metadata `weight` and `cluster` become the weight and the cluster (these three keys are not kept
     * as metadata: an instance reads back as it was registered).
     */
    fun toSwitchboard(
        serviceName: String,
        node: CuratorInstance<NodePayload>,
    ): ServiceInstance? {
        val address = node.address
        val secure = node.sslPort != null
        val port = if (secure) node.sslPort else node.port
        if (address.isNullOrBlank() || port == null || port !in 1..65535) {
            log.warn("Instance node {} of {} has no usable address or port ({}:{}): skipped", node.id, serviceName, address, port)
            return null
        }
        val metadata = node.payload?.metadata.orEmpty()
        val status = metadata[STATUS_KEY]
        val weight = metadata[WEIGHT_KEY]?.toDoubleOrNull()?.takeIf { it >= 0.0 && it.isFinite() } ?: 1.0
        return ServiceInstance(
            serviceName = serviceName,
            host = address,
            port = port,
            instanceId = node.id,
            secure = secure,
            weight = weight,
            healthy = node.isEnabled && (status == null || status.equals("UP", ignoreCase = true)),
            cluster = metadata[CLUSTER_KEY]?.takeIf { it.isNotBlank() } ?: ServiceInstance.DEFAULT_CLUSTER,
            // the keys read into fields above are not repeated as metadata
            metadata = metadata - mappedKeys,
        )
    }

    override fun serialize(instance: CuratorInstance<NodePayload>): ByteArray {
        val payload = instance.payload
        val node =
            buildJsonObject {
                put("name", instance.name)
                put("id", instance.id)
                put("address", instance.address)
                put("port", instance.port)
                put("sslPort", instance.sslPort)
                if (payload == null) {
                    put("payload", JsonNull)
                } else {
                    putJsonObject("payload") {
                        put("@class", SPRING_PAYLOAD_CLASS)
                        put("id", payload.id)
                        put("name", payload.name)
                        putJsonObject("metadata") { payload.metadata.forEach { (key, value) -> put(key, value) } }
                    }
                }
                put("registrationTimeUTC", instance.registrationTimeUTC)
                put("serviceType", instance.serviceType.name)
                put("uriSpec", uriSpec(instance.uriSpec))
            }
        return node.toString().toByteArray(Charsets.UTF_8)
    }

    override fun deserialize(bytes: ByteArray): CuratorInstance<NodePayload> {
        val node =
            try {
                json.parseToJsonElement(bytes.toString(Charsets.UTF_8)) as? JsonObject
            } catch (e: IllegalArgumentException) {
                null
            }
        val name = node?.text("name")
        val id = node?.text("id")
        if (node == null || name == null || id == null) {
            log.warn("A node under the ZooKeeper base path is not an instance (no JSON object with a name and an id): skipped")
            // Curator requires a name and an id; no address makes the node skipped
            return CuratorInstance("?", "unreadable-${UUID.randomUUID()}", null, null, null, null, 0L, ServiceType.DYNAMIC, null, false)
        }
        val payload = node["payload"] as? JsonObject
        val metadata =
            (payload?.get("metadata") as? JsonObject)
                ?.mapNotNull { (key, value) -> (value as? JsonPrimitive)?.contentOrNull?.let { key to it } }
                ?.toMap()
                .orEmpty()
        return CuratorInstance(
            name,
            id,
            node.text("address"),
            (node["port"] as? JsonPrimitive)?.intOrNull,
            (node["sslPort"] as? JsonPrimitive)?.intOrNull,
            NodePayload(payload?.text("id"), payload?.text("name"), metadata),
            (node["registrationTimeUTC"] as? JsonPrimitive)?.longOrNull ?: 0L,
            node.text("serviceType")?.let { type -> ServiceType.entries.firstOrNull { it.name == type } } ?: ServiceType.DYNAMIC,
            null,
            (node["enabled"] as? JsonPrimitive)?.booleanOrNull ?: true,
        )
    }

    private fun JsonObject.text(key: String): String? = (this[key] as? JsonPrimitive)?.takeIf { it.isString }?.content

    private fun uriSpec(spec: UriSpec?): JsonElement =
        if (spec == null) {
            JsonNull
        } else {
            buildJsonObject {
                put(
                    "parts",
                    buildJsonArray {
                        for (part in spec.parts) {
                            add(
                                buildJsonObject {
                                    put("value", part.value)
                                    put("variable", part.isVariable)
                                },
                            )
                        }
                    },
                )
            }
        }
}
