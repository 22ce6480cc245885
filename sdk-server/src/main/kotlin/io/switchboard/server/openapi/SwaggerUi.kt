package io.switchboard.server.openapi

import io.ktor.http.ContentType
import io.switchboard.ConfigurationException
import kotlinx.serialization.json.JsonPrimitive
import java.util.Properties
import java.util.concurrent.ConcurrentHashMap

/**
 * Swagger UI's page at [uiPath], showing the document at [documentPath]: a page and a start-up script of ours, and
 * the rest of the files from the `org.webjars:swagger-ui` jar on the classpath (nothing is fetched from elsewhere, so
 * the page works offline).
 */
internal class SwaggerUi(
    private val uiPath: String,
    documentPath: String,
) {
    private val root = "$WEBJAR/${webjarVersion()}"
    private val files = ConcurrentHashMap<String, ByteArray>()

    /** The page: Swagger UI's styles and scripts, all from [uiPath]. */
    val index: ByteArray =
        """
        <!DOCTYPE html>
        <html lang="en">
        <head>
          <meta charset="UTF-8">
          <title>API documentation</title>
          <link rel="stylesheet" type="text/css" href="$uiPath/swagger-ui.css">
          <link rel="icon" type="image/png" href="$uiPath/favicon-32x32.png" sizes="32x32">
        </head>
        <body>
          <div id="swagger-ui"></div>
          <script src="$uiPath/swagger-ui-bundle.js" charset="UTF-8"></script>
          <script src="$uiPath/swagger-ui-standalone-preset.js" charset="UTF-8"></script>
          <script src="$uiPath/$INITIALIZER" charset="UTF-8"></script>
        </body>
        </html>
        """.trimIndent().toByteArray()

    /** Starts Swagger UI on the document; no validator badge, which would send the document to a public validator. */
    val initializer: ByteArray =
        """
        window.onload = function () {
          window.ui = SwaggerUIBundle({
            url: ${JsonPrimitive(documentPath)},
            dom_id: "#swagger-ui",
            deepLinking: true,
            validatorUrl: null,
            presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
            layout: "StandaloneLayout"
          });
        };
        """.trimIndent().toByteArray()

    /** The webjar's file [name] (one path segment) and its content type; null when there is none. */
    fun file(name: String): Pair<ByteArray, ContentType>? {
        if (!FILE.matches(name) || name == "index.html") return null
        if (name == INITIALIZER) return initializer to ContentType.Application.JavaScript
        val bytes =
            files[name] ?: javaClass.classLoader
                .getResourceAsStream("$root/$name")
                ?.use { it.readBytes() }
                ?.also { files[name] = it }
                ?: return null
        return bytes to contentTypeOf(name)
    }

    private fun contentTypeOf(name: String): ContentType =
        when (name.substringAfterLast('.')) {
            "js" -> ContentType.Application.JavaScript
            "css" -> ContentType.Text.CSS
            "png" -> ContentType.Image.PNG
            "html" -> ContentType.Text.Html
            "txt" -> ContentType.Text.Plain
            "map", "json" -> ContentType.Application.Json
            else -> ContentType.Application.OctetStream
        }

    companion object {
        private const val WEBJAR = "META-INF/resources/webjars/swagger-ui"
        private const val INITIALIZER = "swagger-initializer.js"
        private val FILE = Regex("""[A-Za-z0-9][A-Za-z0-9._-]*""")

        /** The version of the swagger-ui webjar on the classpath; throws, saying what to add, when there is none. */
        fun webjarVersion(): String {
            val properties =
                SwaggerUi::class.java.classLoader.getResourceAsStream("META-INF/maven/org.webjars/swagger-ui/pom.properties")
                    ?: throw ConfigurationException(
                        "the OpenAPI page (OpenApiSettings.ui) needs Swagger UI on the classpath " +
                            "(add the dependency org.webjars:swagger-ui, 5.x)",
                    )
            return properties.use { stream -> Properties().apply { load(stream) }.getProperty("version") }
        }
    }
}
