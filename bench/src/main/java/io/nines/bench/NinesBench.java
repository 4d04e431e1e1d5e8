package io.nines.bench;

import io.nines.core.Pipeline;
import io.nines.core.bulkhead.Bulkhead;
import io.nines.core.circuitbreaker.CircuitBreaker;
import io.nines.core.circuitbreaker.CircuitBreakerConfig.SlidingWindowType;
import io.nines.core.ratelimiter.Quota;
import io.nines.core.ratelimiter.RateLimiter;
import io.nines.core.retry.Retry;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Nines: one {@link Pipeline} with Retry ← CircuitBreaker ← RateLimiter ← Bulkhead, built once.
 * {@code pipeline} runs the work as a {@code Callable} through {@link Pipeline#call}; {@code get} runs it
 * as a {@code Supplier} through {@link Pipeline#get}, the shape the peers are called with.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class NinesBench {

    @Param({Work.NOOP, Work.CPU100})
    public String work;

    private Pipeline pipeline;
    private Work action;

    @Setup
    public void setup() throws Exception {
        CircuitBreaker cb = CircuitBreaker.builder("bench")
                .slidingWindow(Limits.CB_WINDOW, Limits.CB_WINDOW, SlidingWindowType.COUNT_BASED)
                .failureRateThreshold(Limits.CB_FAILURE_RATE_PERCENT)
                .build();
        RateLimiter rl = RateLimiter.builder("bench")
                .defaultQuota(Quota.perSecond(Limits.RATE_PER_SECOND))
                .build();
        Bulkhead bh = Bulkhead.builder("bench")
                .maxConcurrentCalls(Limits.BULKHEAD_MAX_CONCURRENT)
                .build();
        // The default retry budget stays on: it is what every Nines retry policy draws from.
        Retry retry = Retry.builder("bench")
                .maxAttempts(Limits.RETRY_MAX_ATTEMPTS)
                .initialDelay(Limits.RETRY_WAIT)
                .build();
        pipeline = Pipeline.builder("bench")
                .retry(retry)
                .circuitBreaker(cb)
                .rateLimiter(rl)
                .bulkhead(bh)
                .build();
        action = Work.of(work);
        Limits.check(pipeline.call(action));
        Limits.check(pipeline.get(action));
    }

    @Benchmark
    public Object pipeline() throws Exception {
        return pipeline.call(action);
    }

    @Benchmark
    public Object get() {
        return pipeline.get(action);
    }
}
