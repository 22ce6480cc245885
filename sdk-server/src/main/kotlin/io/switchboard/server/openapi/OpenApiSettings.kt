package io.switchboard.server.openapi

import io.switchboard.service.DispatchProtocol

/**
 * What a `ServiceServer` publishes of its hosted services (`ServiceServerBuilder.openApi`): an OpenAPI 3.1 document
 * at [path], and, when [uiPath] is set, a Swagger UI page that browses it.
 *
 * The document has every REST route of the hosted interfaces (parameters, request body and result with their JSON
 * schemas) and every method's dispatch call (`POST /_dispatch/{service}/{method}`), with the texts of `@Service` and
 * `@Description`. It is built once, at the first request for it.
 *
 * When the server authenticates callers, the document and the page are served only to authenticated ones, as the
 * hosted services are, unless [allowAnonymous] opens them to everyone. The page needs `org.webjars:swagger-ui` on
 * the classpath (an optional dependency of sdk-server); its files are served from there, so it works offline.
 */
public class OpenApiSettings private constructor(
    builder: Builder,
) {
    /** Where the document is served (`GET`); `/openapi.json` by default. */
    public val path: String = builder.path

    /** Where the Swagger UI page is served; null (no page) by default. */
    public val uiPath: String? = builder.uiPath

    /** The document's `info.title`; null for the names of the hosted services. */
    public val title: String? = builder.title

    /** The document's `info.version`; `1.0` by default. */
    public val version: String = builder.version

    /** The document's `info.description`; null for none. */
    public val description: String? = builder.description

    /** The document's `servers` (base URLs callers use); none by default, which OpenAPI reads as this server. */
    public val serverUrls: List<String> = builder.serverUrls.toList()

    /** Whether callers without credentials may read the document and the page when the server authenticates; false by default. */
    public val allowAnonymous: Boolean = builder.allowAnonymous

    /** A builder starting from these settings. */
    public fun newBuilder(): Builder = Builder(this)

    override fun toString(): String = "OpenApiSettings(path=$path, uiPath=$uiPath, allowAnonymous=$allowAnonymous)"

    /** Builds [OpenApiSettings]. */
    public class Builder internal constructor(
        from: OpenApiSettings?,
    ) {
        internal var path: String = from?.path ?: "/openapi.json"
        internal var uiPath: String? = from?.uiPath
        internal var title: String? = from?.title
        internal var version: String = from?.version ?: "1.0"
        internal var description: String? = from?.description
        internal val serverUrls: MutableList<String> = from?.serverUrls?.toMutableList() ?: ArrayList()
        internal var allowAnonymous: Boolean = from?.allowAnonymous ?: false

        /** Serves the document at [path] (such as `/openapi.json`, the default). */
        public fun path(path: String): Builder = apply { this.path = checkedPath("path", path) }

        /**
         * Serves a Swagger UI page at [path] (`/docs` by default), its files under it, showing the document. Needs
         * `org.webjars:swagger-ui` on the classpath: `build()` of the server fails without it.
         */
        @JvmOverloads
        public fun ui(path: String = "/docs"): Builder = apply { uiPath = checkedPath("ui path", path) }

        /** The document's title; the names of the hosted services by default. */
        public fun title(title: String): Builder =
            apply {
                require(title.isNotBlank()) { "title: '$title' (expected: some text)" }
                this.title = title
            }

        /** The document's version (of the API it describes, not of OpenAPI); `1.0` by default. */
        public fun version(version: String): Builder =
            apply {
                require(version.isNotBlank()) { "version: '$version' (expected: some text, such as 1.2.0)" }
                this.version = version
            }

        /** The document's description (Markdown is allowed). */
        public fun description(description: String): Builder = apply { this.description = description }

        /** Adds a base URL callers reach the services at (such as `https://people.example.com`), listed in `servers`. */
        public fun server(url: String): Builder =
            apply {
                require(url.isNotBlank()) { "server: '$url' (expected: a URL)" }
                serverUrls += url
            }

        /**
         * Whether callers without credentials may read the document and the page when the server authenticates
         * callers; false by default: only authenticated callers may, as for the hosted calls.
         */
        public fun allowAnonymous(allow: Boolean): Builder = apply { allowAnonymous = allow }

        /** The settings. */
        public fun build(): OpenApiSettings {
            require(uiPath == null || (uiPath != path && !path.startsWith("$uiPath/"))) {
                "path: $path (expected: outside the ui path $uiPath)"
            }
            return OpenApiSettings(this)
        }

        private fun checkedPath(
            what: String,
            path: String,
        ): String {
            require(PATH.matches(path) && !path.contains("//") && !path.split('/').any { it == "." || it == ".." }) {
                "$what: '$path' (expected: an absolute path of letters, digits and . _ ~ - such as /openapi.json, not ending with /)"
            }
            require(path != "/health" && path != DispatchProtocol.PREFIX && !path.startsWith(DispatchProtocol.PREFIX + "/")) {
                "$what: $path (expected: a path outside /health and ${DispatchProtocol.PREFIX})"
            }
            return path
        }
    }

    /** Factories. */
    public companion object {
        private val PATH = Regex("""(/[A-Za-z0-9._~-]+)+""")

        /** A builder of settings: the document at `/openapi.json`, no page. */
        @JvmStatic
        public fun builder(): Builder = Builder(null)
    }
}
