package io.switchboard

/** What a call sends as its body. */
public sealed class RequestBody {
    /** [value] encoded by the manager's codec (JSON by default); [type] guides the encoding when known. */
    public class Json(
        public val value: Any?,
        public val type: BodyType?,
    ) : RequestBody()

    /** URL-encoded form fields (`application/x-www-form-urlencoded`). */
    public class Form(
        public val fields: Map<String, String>,
    ) : RequestBody()

    /** Bytes sent as they are, with [contentType]. */
    public class Bytes(
        public val bytes: ByteArray,
        public val contentType: String,
    ) : RequestBody()

    /** Text sent as UTF-8, with [contentType]. */
    public class Text(
        public val text: String,
        public val contentType: String,
    ) : RequestBody()
}
