package io.nines.bench;

import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.bulkhead.BulkheadConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.decorators.Decorators;
import io.github.resilience4j.ratelimiter.RateLimiter;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Resilience4j: Retry ← CircuitBreaker ← RateLimiter ← Bulkhead around the work, decorated once with
 * {@link Decorators} (the first decorator added is the innermost).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class Resilience4jBench {

    @Param({Work.NOOP, Work.CPU100})
    public String work;

    private Supplier<Object> decorated;

    @Setup
    public void setup() {
        CircuitBreaker cb = CircuitBreaker.of("bench", CircuitBreakerConfig.custom()
                .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                .slidingWindowSize(Limits.CB_WINDOW)
                .minimumNumberOfCalls(Limits.CB_WINDOW)
                .failureRateThreshold(Limits.CB_FAILURE_RATE_PERCENT)
                .build());
        RateLimiter rl = RateLimiter.of("bench", RateLimiterConfig.custom()
                .limitForPeriod(Limits.RATE_PER_SECOND)
                .limitRefreshPeriod(Duration.ofSeconds(1))
                .timeoutDuration(Duration.ZERO)
                .build());
        Bulkhead bh = Bulkhead.of("bench", BulkheadConfig.custom()
                .maxConcurrentCalls(Limits.BULKHEAD_MAX_CONCURRENT)
                .maxWaitDuration(Duration.ZERO)
                .build());
        Retry retry = Retry.of("bench", RetryConfig.custom()
                .maxAttempts(Limits.RETRY_MAX_ATTEMPTS)
                .waitDuration(Limits.RETRY_WAIT)
                .build());
        decorated = Decorators.ofSupplier(Work.of(work))
                .withBulkhead(bh)
                .withRateLimiter(rl)
                .withCircuitBreaker(cb)
                .withRetry(retry)
                .decorate();
        Limits.check(decorated.get());
    }

    @Benchmark
    public Object pipeline() {
        return decorated.get();
    }
}
