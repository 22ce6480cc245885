package io.switchboard.bench

import io.ktor.client.HttpClient
import io.ktor.client.engine.cio.CIO
import io.ktor.client.engine.okhttp.OkHttp
import io.ktor.client.request.get
import io.ktor.client.request.post
import io.ktor.client.request.setBody
import io.ktor.client.statement.bodyAsText
import io.ktor.http.ContentType
import io.ktor.http.contentType
import io.ktor.http.isSuccess
import io.micrometer.core.instrument.simple.SimpleMeterRegistry
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator
import io.opentelemetry.context.propagation.ContextPropagators
import io.opentelemetry.sdk.OpenTelemetrySdk
import io.opentelemetry.sdk.common.CompletableResultCode
import io.opentelemetry.sdk.trace.SdkTracerProvider
import io.opentelemetry.sdk.trace.data.SpanData
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor
import io.opentelemetry.sdk.trace.export.SpanExporter
import io.opentelemetry.sdk.trace.samplers.Sampler
import io.switchboard.HttpEngine
import io.switchboard.RequestOptions
import io.switchboard.ServiceInstance
import io.switchboard.ServiceManager
import io.switchboard.discovery.InMemoryRegistry
import io.switchboard.interceptor.AuthInterceptor
import io.switchboard.interceptor.LoggingInterceptor
import io.switchboard.interceptor.MetricsInterceptor
import io.switchboard.jsonBody
import io.switchboard.observability.Observability
import io.switchboard.service.Channel
import kotlinx.coroutines.Dispatchers
import kotlinx.serialization.json.Json
import okhttp3.ConnectionPool
import okhttp3.Dispatcher
import java.util.concurrent.TimeUnit

/** A client whose calls suspend: the harness runs it on coroutines. */
interface SuspendingClient : AutoCloseable {
    /** `GET /hello`, decoded. */
    suspend fun get(): Any

    /** `POST /echo` with [ORDER], decoded. */
    suspend fun post(): Any
}

/** One contender: how it is named in the table and how it is made. */
class Contender(
    /** The row label. */
    val label: String,
    /** What it is, for the notes under the table. */
    val description: String,
    /** Creates a fresh client against the target's ports (one per round). */
    val create: (ports: List<Int>) -> Any,
)

private val json = Json

/** The raw Ktor client against one instance, decoding with kotlinx-serialization as an SDK on Ktor would. */
class RawKtorClient(
    private val client: HttpClient,
    port: Int,
) : SuspendingClient {
    private val base = "http://127.0.0.1:$port"

    override suspend fun get(): Any {
        val response = client.get("$base/hello")
        val text = response.bodyAsText()
        check(response.status.isSuccess()) { "HTTP ${response.status} from the target" }
        return json.decodeFromString(Hello.serializer(), text)
    }

    override suspend fun post(): Any {
        val response =
            client.post("$base/echo") {
                contentType(ContentType.Application.Json)
                // encoded per call, as every other contender does
                setBody(json.encodeToString(Order.serializer(), ORDER))
            }
        val text = response.bodyAsText()
        check(response.status.isSuccess()) { "HTTP ${response.status} from the target" }
        return json.decodeFromString(Order.serializer(), text)
    }

    override fun close() = client.close()
}

/** The Ktor CIO client with its default settings: the baseline. */
fun ktorCio(): HttpClient = HttpClient(CIO)

/**
 * The best raw Ktor configuration found here: the OkHttp engine on `Dispatchers.Default`, an OkHttp pool and
 * dispatcher sized for the concurrency.
 */
fun ktorOkHttpTuned(): HttpClient =
    HttpClient(OkHttp) {
        engine {
            dispatcher = Dispatchers.Default
            config {
                connectionPool(ConnectionPool(128, 5, TimeUnit.MINUTES))
                dispatcher(
                    Dispatcher().apply {
                        maxRequests = 256
                        maxRequestsPerHost = 256
                    },
                )
            }
        }
    }

/** The target's instances in an embedded registry, as the manager discovers them. */
fun registryOf(
    ports: List<Int>,
    vararg services: String = arrayOf(BenchService.NAME),
): InMemoryRegistry =
    InMemoryRegistry().apply {
        services.forEach { service -> ports.forEach { add(ServiceInstance(service, "127.0.0.1", it)) } }
    }

/** `ServiceManager` over the embedded registry, round robin, with the logging (silent), auth and metrics interceptors. */
class ManagerClient(
    ports: List<Int>,
    engine: HttpEngine? = null,
    observability: Observability? = null,
) : SuspendingClient {
    private val manager =
        ServiceManager {
            discovery(registryOf(ports))
            engine?.let { engine(it) }
            observability?.let { addExtension(it) }
            loadBalancer("round_robin")
            // INFO, while the benchmark's logback configuration lets only WARN through: formatted never, printed never
            addInterceptor(LoggingInterceptor())
            addInterceptor(AuthInterceptor("bench-token"))
            addInterceptor(MetricsInterceptor())
        }
    private val options = RequestOptions { jsonBody(ORDER) }

    override suspend fun get(): Any = manager.get<Hello>(BenchService.NAME, "/hello")

    override suspend fun post(): Any = manager.post<Order>(BenchService.NAME, "/echo", options)

    override fun close() = manager.close()
}

/** [ManagerClient] with meters and spans: a real OpenTelemetry SDK sampling every call, its spans batched and dropped. */
class TracedManagerClient(
    ports: List<Int>,
) : SuspendingClient {
    private val otel =
        OpenTelemetrySdk
            .builder()
            .setTracerProvider(
                SdkTracerProvider
                    .builder()
                    .setSampler(Sampler.alwaysOn())
                    .addSpanProcessor(BatchSpanProcessor.builder(DroppingExporter).build())
                    .build(),
            ).setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
            .build()
    private val client = ManagerClient(ports, observability = Observability { meterRegistry(SimpleMeterRegistry()).openTelemetry(otel) })

    override suspend fun get(): Any = client.get()

    override suspend fun post(): Any = client.post()

    override fun close() {
        client.close()
        otel.close()
    }

    /** Takes every batch and keeps nothing: the cost measured is the instrumentation's, not an exporter's. */
    private object DroppingExporter : SpanExporter {
        override fun export(spans: Collection<SpanData>): CompletableResultCode = CompletableResultCode.ofSuccess()

        override fun flush(): CompletableResultCode = CompletableResultCode.ofSuccess()

        override fun shutdown(): CompletableResultCode = CompletableResultCode.ofSuccess()
    }
}

/** A proxy of [BenchService] over one channel, through a manager over the embedded registry (round robin). */
class ProxyClient(
    ports: List<Int>,
    channel: Channel,
) : SuspendingClient {
    private val manager =
        ServiceManager {
            discovery(registryOf(ports))
            loadBalancer("round_robin")
        }
    private val service = manager.getService<BenchService>(channel)

    override suspend fun get(): Any = service.hello()

    override suspend fun post(): Any = service.echo(ORDER)

    override fun close() = manager.close()
}

/** Every contender, the baseline first. */
val CONTENDERS: List<Contender> =
    listOf(
        Contender("Ktor CIO (baseline)", "raw Ktor client, CIO engine, default settings, fixed URL") { ports ->
            RawKtorClient(ktorCio(), ports[0])
        },
        Contender(
            "Ktor OkHttp, tuned",
            "raw Ktor client, OkHttp engine, dispatcher Dispatchers.Default, pool 128, 256 requests per host, fixed URL",
        ) { ports -> RawKtorClient(ktorOkHttpTuned(), ports[0]) },
        Contender(
            "ServiceManager",
            "Switchboard ServiceManager, embedded registry, round_robin, logging (silent) + auth + metrics interceptors",
        ) { ports -> ManagerClient(ports) },
        Contender(
            "ServiceManager + metrics",
            "the same, with sdk-observability's Micrometer meters (a SimpleMeterRegistry)",
        ) { ports -> ManagerClient(ports, observability = Observability { meterRegistry(SimpleMeterRegistry()) }) },
        Contender(
            "ServiceManager + metrics + tracing",
            "the same, with meters and OpenTelemetry spans (SDK, every call sampled, batched to an exporter that drops them)",
        ) { ports -> TracedManagerClient(ports) },
        Contender(
            "ServiceManager on OkHttp",
            "the same, over Switchboard's OkHttp engine (engine(HttpEngine.OKHTTP))",
        ) { ports -> ManagerClient(ports, HttpEngine.OKHTTP) },
        Contender("proxy rest", "Switchboard service proxy, rest channel") { ports -> ProxyClient(ports, Channel.REST) },
        Contender("proxy dispatch-json", "Switchboard service proxy, dispatch-json channel") { ports ->
            ProxyClient(ports, Channel.DISPATCH_JSON)
        },
        Contender("proxy dispatch-msgpack", "Switchboard service proxy, dispatch-msgpack channel") { ports ->
            ProxyClient(ports, Channel.DISPATCH_MSGPACK)
        },
        Contender("proxy dispatch-protobuf", "Switchboard service proxy, dispatch-protobuf channel") { ports ->
            ProxyClient(ports, Channel.DISPATCH_PROTOBUF)
        },
        Contender(
            "raw Netty + coroutines",
            "a minimal Netty 4.2 client (keep-alive channels, HttpClientCodec + aggregator), continuation resumed from the " +
                "event loop, callers on Dispatchers.Default, no Switchboard, fixed URL: the floor for coroutines on Netty",
        ) { ports -> RawNettyClient(ports[0]) },
        Contender(
            "OkHttp async + coroutines",
            "OkHttp 5.3.2 enqueue() under suspendCancellableCoroutine, no Ktor, kotlinx-serialization, fixed URL: the floor for coroutines on OkHttp",
        ) { ports -> OkHttpCoroutineClient(ports[0]) },
        Contender(
            "Retrofit + OkHttp",
            "Retrofit 3.0.0 + OkHttp 5.3.2 (pool 128), Jackson converter, blocking execute(), fixed URL",
        ) { ports -> RetrofitClient("http://127.0.0.1:${ports[0]}") },
        Contender(
            "OpenFeign + LoadBalancer",
            "Spring Cloud OpenFeign 4.3.0 (Feign 13.6, Apache HttpClient 5) + Spring Cloud LoadBalancer, static instances",
        ) { ports -> FeignClient(ports) },
    )
