package io.switchboard.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.bench.JavaModel.HelloJ;
import io.switchboard.bench.JavaModel.OrderJ;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import okhttp3.ConnectionPool;
import okhttp3.Dispatcher;
import okhttp3.OkHttpClient;
import retrofit2.Call;
import retrofit2.Response;
import retrofit2.Retrofit;
import retrofit2.converter.jackson.JacksonConverterFactory;
import retrofit2.http.Body;
import retrofit2.http.GET;
import retrofit2.http.POST;

/**
 * Retrofit + OkHttp against one fixed instance, as a Java user sets it up: a Jackson converter, an OkHttp client
 * whose pool keeps enough idle connections for the concurrency (OkHttp's default keeps five) and blocking
 * {@code execute()} calls on the caller's threads.
 */
public final class RetrofitClient implements BlockingClient {
    /** The target's API, declared the Retrofit way. */
    public interface BenchApi {
        /** A small JSON object. */
        @GET("hello")
        Call<HelloJ> hello();

        /** Sends the order back. */
        @POST("echo")
        Call<OrderJ> echo(@Body OrderJ order);
    }

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final OkHttpClient okHttp;
    private final BenchApi api;
    private final OrderJ order = JavaModel.order(ModelKt.getORDER());

    /** A client of the instance at {@code baseUrl}. */
    public RetrofitClient(String baseUrl) {
        Dispatcher dispatcher = new Dispatcher();
        dispatcher.setMaxRequests(256);
        dispatcher.setMaxRequestsPerHost(256);
        okHttp = new OkHttpClient.Builder()
                .connectionPool(new ConnectionPool(128, 5, TimeUnit.MINUTES))
                .dispatcher(dispatcher)
                .build();
        api = create(okHttp, baseUrl);
    }

    /** Another service interface on a shared OkHttp client (the heap scenario creates many). */
    public static BenchApi create(OkHttpClient okHttp, String baseUrl) {
        return new Retrofit.Builder()
                .baseUrl(baseUrl + "/")
                .client(okHttp)
                .addConverterFactory(JacksonConverterFactory.create(MAPPER))
                .build()
                .create(BenchApi.class);
    }

    /** The OkHttp client under this Retrofit. */
    public OkHttpClient okHttp() {
        return okHttp;
    }

    @Override
    public Object get() throws IOException {
        return body(api.hello().execute());
    }

    @Override
    public Object post() throws IOException {
        return body(api.echo(order).execute());
    }

    /** The body of a successful response, or an exception naming the status. */
    public static <T> T body(Response<T> response) throws IOException {
        if (!response.isSuccessful() || response.body() == null) {
            throw new IOException("HTTP " + response.code() + " from the target");
        }
        return response.body();
    }

    @Override
    public void close() {
        okHttp.dispatcher().executorService().shutdown();
        okHttp.connectionPool().evictAll();
    }
}
