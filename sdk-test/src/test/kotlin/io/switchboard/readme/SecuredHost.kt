package io.switchboard.readme

// README:begin kotlin-auth
import io.switchboard.ServiceManager
import io.switchboard.auth.CallerIdentity
import io.switchboard.auth.callerIdentity
import io.switchboard.interceptor.SigningInterceptor
import io.switchboard.server.ServiceServer
import io.switchboard.server.auth.BearerTokenAuthenticator
import io.switchboard.server.auth.HmacAuthenticator
import io.switchboard.server.auth.SigningKey
import io.switchboard.server.host
import io.switchboard.service.Service

@Service(name = "accounts")
interface Accounts {
    suspend fun whoAmI(): String

    suspend fun close(account: String): String
}

class AccountsImpl : Accounts {
    override suspend fun whoAmI(): String = callerIdentity()?.name ?: "anonymous"

    override suspend fun close(account: String): String = "closed $account"
}

suspend fun securedAccounts(batchSecret: String): String {
    val server =
        ServiceServer {
            host<Accounts>(AccountsImpl())
            authenticator(BearerTokenAuthenticator(mapOf("t-ops" to CallerIdentity("ops", "bearer", setOf("admin")))))
            authenticator(HmacAuthenticator(mapOf("batch" to SigningKey(batchSecret, CallerIdentity("batch", "hmac")))))
            requireRole("admin", "accounts", "close") // 403 for callers without it
        }.start()
    try {
        ServiceManager {
            staticInstances("accounts", server.instances)
            addInterceptor(SigningInterceptor("batch", batchSecret)) // or service-caller.interceptors.signing in YAML
        }.use { manager -> return manager.getService<Accounts>().whoAmI() } // "batch"
    } finally {
        server.stop()
    }
}
// README:end
