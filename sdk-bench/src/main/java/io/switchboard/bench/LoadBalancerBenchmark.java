package io.switchboard.bench;

import io.switchboard.RequestContext;
import io.switchboard.ServiceInstance;
import io.switchboard.balancer.LoadBalancers;
import io.switchboard.spi.LoadBalancer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The cost of one load-balancer choice over 10, 1,000 and 10,000 eligible instances with weights 1 to 5, for
 * every built-in strategy: the work a call pays before it is sent.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
        value = 1,
        jvmArgs = {"-Xms256m", "-Xmx256m"})
public class LoadBalancerBenchmark {
    /** How many eligible instances the service has. */
    @Param({"10", "1000", "10000"})
    public int instances;

    /** The strategy, by its configuration name. */
    @Param({"round_robin", "random", "weight_round_robin", "weight_random", "least_requests", "peak_ewma"})
    public String strategy;

    private LoadBalancer balancer;
    private List<ServiceInstance> list;
    private RequestContext context;

    /** Builds the instance list and the balancer. */
    @Setup
    public void setUp() {
        list = new ArrayList<>(instances);
        for (int i = 0; i < instances; i++) {
            list.add(new ServiceInstance(
                    "bench", "10.0." + (i / 250) + "." + (i % 250), 8080, "i-" + i, false, 1 + i % 5));
        }
        list = List.copyOf(list);
        balancer = LoadBalancers.factory(strategy).create("bench");
        context = new RequestContext("GET", "bench", "/hello");
    }

    /** One choice. */
    @Benchmark
    public ServiceInstance choose() {
        return balancer.choose(list, context);
    }
}
