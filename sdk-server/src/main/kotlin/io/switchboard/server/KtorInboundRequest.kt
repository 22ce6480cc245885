package io.switchboard.server

import io.ktor.server.application.ApplicationCall
import io.ktor.server.netty.NettyApplicationCall
import io.ktor.server.plugins.origin
import io.ktor.util.AttributeKey
import io.netty.handler.ssl.SslHandler
import io.switchboard.auth.CallerIdentity
import io.switchboard.server.auth.InboundRequest
import java.security.cert.X509Certificate
import javax.net.ssl.SSLPeerUnverifiedException

/** The identity a call was authenticated as, in its attributes. */
internal val CALLER: AttributeKey<CallerIdentity> = AttributeKey("switchboard.caller")

/** The SHA-256 a signed call's body must have, in its attributes. */
internal val BODY_SHA256: AttributeKey<String> = AttributeKey("switchboard.body-sha256")

/** A Ktor call as an authenticator sees it. */
internal class KtorInboundRequest(
    private val call: ApplicationCall,
) : InboundRequest {
    override val method: String get() = call.request.local.method.value

    override val target: String get() = call.request.local.uri

    override val remoteAddress: String get() = "${call.request.origin.remoteAddress}:${call.request.origin.remotePort}"

    override fun header(name: String): String? = call.request.headers[name]

    override val peerCertificates: List<X509Certificate>
        get() {
            val netty = call as? NettyApplicationCall ?: return emptyList()
            val ssl = netty.context.pipeline().get(SslHandler::class.java) ?: return emptyList()
            return try {
                ssl
                    .engine()
                    .session.peerCertificates
                    .filterIsInstance<X509Certificate>()
            } catch (_: SSLPeerUnverifiedException) {
                emptyList()
            }
        }

    override fun requireBodySha256(sha256Hex: String) {
        call.attributes.put(BODY_SHA256, sha256Hex.lowercase())
    }
}
