package io.switchboard.observability

import io.switchboard.ServiceManager
import io.switchboard.service.Channel
import io.switchboard.service.Get
import io.switchboard.service.Path
import io.switchboard.service.Service
import org.slf4j.LoggerFactory
import org.slf4j.MDC
import java.util.concurrent.CompletableFuture
import java.util.concurrent.ConcurrentHashMap

/** The last hop of the traced chain: answers a stock level, noting the trace id its MDC had. */
@Service(name = "obs-stock")
interface StockService {
    @Get("/stock/{item}")
    suspend fun level(
        @Path("item") item: String,
    ): Int
}

/** The middle hop: asks [StockService] from a suspending, a blocking and a CompletableFuture method. */
@Service(name = "obs-pricing")
interface PricingService {
    @Get("/prices/{item}")
    suspend fun price(
        @Path("item") item: String,
    ): Int

    @Get("/blocking-prices/{item}")
    fun blockingPrice(
        @Path("item") item: String,
    ): Int

    @Get("/future-prices/{item}")
    fun futurePrice(
        @Path("item") item: String,
    ): CompletableFuture<Int>
}

/** What each implementation saw in its MDC, by method and item. */
object SeenMdc {
    val traceIds = ConcurrentHashMap<String, String>()
    val callIds = ConcurrentHashMap<String, String>()

    fun note(key: String) {
        traceIds[key] = MDC.get(Mdc.TRACE_ID) ?: "none"
        callIds[key] = MDC.get(Mdc.CALL_ID) ?: "none"
        LoggerFactory.getLogger(SeenMdc::class.java).debug("{} runs", key)
    }
}

class Stock : StockService {
    override suspend fun level(item: String): Int {
        SeenMdc.note("stock:$item")
        return item.length
    }
}

/** Calls [StockService] through [stock], a manager with observability of its own. */
class Pricing(
    private val stock: () -> ServiceManager,
) : PricingService {
    override suspend fun price(item: String): Int {
        SeenMdc.note("price:$item")
        return 10 * stock().getService<StockService>(Channel.REST).level(item)
    }

    override fun blockingPrice(item: String): Int {
        SeenMdc.note("blocking:$item")
        return 10 * stock().async().get("obs-stock", "/stock/$item", Int::class.java).join()
    }

    override fun futurePrice(item: String): CompletableFuture<Int> {
        SeenMdc.note("future:$item")
        return stock().async().get("obs-stock", "/stock/$item", Int::class.java).thenApply { 10 * it }
    }
}
