package io.nines.bench;

import dev.failsafe.Bulkhead;
import dev.failsafe.CircuitBreaker;
import dev.failsafe.Failsafe;
import dev.failsafe.FailsafeExecutor;
import dev.failsafe.RateLimiter;
import dev.failsafe.RetryPolicy;
import dev.failsafe.function.CheckedSupplier;
import java.time.Duration;
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
 * Failsafe: {@code Failsafe.with(retry, circuitBreaker, rateLimiter, bulkhead)} (outermost first), the
 * executor built once, {@code get(supplier)} per call.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class FailsafeBench {

    @Param({Work.NOOP, Work.CPU100})
    public String work;

    private FailsafeExecutor<Object> executor;
    private CheckedSupplier<Object> action;

    @Setup
    public void setup() {
        RetryPolicy<Object> retry = RetryPolicy.builder()
                .withMaxAttempts(Limits.RETRY_MAX_ATTEMPTS)
                .withDelay(Limits.RETRY_WAIT)
                .build();
        CircuitBreaker<Object> cb = CircuitBreaker.builder()
                .withFailureThreshold(Math.round(Limits.CB_WINDOW * Limits.CB_FAILURE_RATE_PERCENT / 100f),
                        Limits.CB_WINDOW)
                .build();
        RateLimiter<Object> rl = RateLimiter.burstyBuilder(Limits.RATE_PER_SECOND, Duration.ofSeconds(1))
                .build();
        Bulkhead<Object> bh = Bulkhead.builder(Limits.BULKHEAD_MAX_CONCURRENT).build();
        executor = Failsafe.with(retry, cb, rl, bh);
        Work w = Work.of(work);
        action = w::get;
        Limits.check(executor.get(action));
    }

    @Benchmark
    public Object pipeline() {
        return executor.get(action);
    }
}
