package io.switchboard.service

import io.switchboard.InternalSwitchboardApi
import io.switchboard.SwitchboardException
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.JsonPrimitive
import kotlinx.serialization.json.int
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.jsonPrimitive

/**
 * The dispatch wire format shared by the client channels and the hosting server: one generic POST per
 * service method, `POST /_dispatch/{service}/{method}`, whose body is the JSON array of the arguments
 * and whose answer is the JSON of the result. Failures answer with a status and
 * `{"error":{"type":…,"message":…,"status":…}}`.
 */
@InternalSwitchboardApi
public object DispatchProtocol {
    /** The path prefix of dispatch calls. */
    public const val PREFIX: String = "/_dispatch"

    /** The registry metadata key listing the channels an instance offers, comma-separated. */
    public const val CHANNELS_METADATA: String = "channels"

    /** The path of [method] of [service]. */
    @JvmStatic
    public fun path(
        service: String,
        method: String,
    ): String = "$PREFIX/$service/$method"

    /** The JSON error body for a failure. */
    @JvmStatic
    @JvmOverloads
    public fun errorBody(
        type: String,
        message: String,
        status: Int,
        id: String? = null,
    ): String =
        JsonObject(
            mapOf(
                "error" to
                    JsonObject(
                        buildMap {
                            put("type", JsonPrimitive(type))
                            put("message", JsonPrimitive(message))
                            put("status", JsonPrimitive(status))
                            if (id != null) put("id", JsonPrimitive(id))
                        },
                    ),
            ),
        ).toString()

    /** An error body read back: its type, message, status and error id (present on 500s). */
    internal class RemoteError(
        val type: String,
        val message: String,
        val status: Int,
        val id: String?,
    )

    /** Reads an error body; null when [text] is not one. */
    internal fun parseError(text: String): RemoteError? =
        runCatching {
            val error = Json.parseToJsonElement(text).jsonObject["error"]!!.jsonObject
            RemoteError(
                error["type"]!!.jsonPrimitive.content,
                error["message"]!!.jsonPrimitive.content,
                error["status"]!!.jsonPrimitive.int,
                error["id"]?.jsonPrimitive?.content,
            )
        }.getOrNull()
}

/**
 * A hosted service failed: the remote error's type, message and HTTP status, as the server reported them.
 *
 * @property serviceName the service called.
 * @property method the method called.
 * @property remoteType the type of the remote error (for a failing implementation, its exception class).
 * @property remoteMessage the remote error's message.
 * @property status the HTTP status of the answer.
 * @property errorId the id the server logged the failure under (a 500 from a `ServiceServer`); null when it sent none.
 */
public class RemoteServiceException
    @JvmOverloads
    constructor(
        public val serviceName: String,
        public val method: String,
        public val remoteType: String,
        public val remoteMessage: String,
        public val status: Int,
        public val errorId: String? = null,
    ) : SwitchboardException("$serviceName.$method failed remotely with HTTP $status: $remoteType: $remoteMessage")
