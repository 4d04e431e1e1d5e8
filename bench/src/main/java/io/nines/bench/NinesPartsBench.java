package io.nines.bench;

import io.nines.core.Clock;
import io.nines.core.Pipeline;
import io.nines.core.bulkhead.Bulkhead;
import io.nines.core.circuitbreaker.CircuitBreaker;
import io.nines.core.circuitbreaker.CircuitBreakerConfig.SlidingWindowType;
import io.nines.core.ratelimiter.Quota;
import io.nines.core.ratelimiter.RateLimiter;
import io.nines.core.retry.Retry;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Where Nines' pipeline time goes: the same pipeline with one policy at a time (and none), around the
 * no-op, plus the clock read the pipeline and the policies make. Not part of {@code core.sh}'s table; run
 * it with {@code java -jar bench/target/benchmarks.jar NinesParts -prof gc}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class NinesPartsBench {

    @Param({"empty", "cb", "rl", "bulkhead", "retry", "all"})
    public String part;

    /**
     * {@code system}: {@link Clock#system()} (System.nanoTime). {@code coarse}: a clock that reads a field
     * a background thread refreshes every millisecond, to show how much of the time is clock reads.
     */
    @Param({"system"})
    public String clock;

    private CoarseClock coarse;

    private Pipeline pipeline;
    private final Work action = Work.of(Work.NOOP);

    @Setup
    public void setup() throws Exception {
        Clock c = Clock.system();
        if (clock.equals("coarse")) {
            coarse = new CoarseClock();
            c = coarse;
        } else if (!clock.equals("system")) {
            throw new IllegalArgumentException("clock: system or coarse");
        }
        Pipeline.PipelineBuilder b = Pipeline.builder("parts").clock(c);
        boolean all = part.equals("all");
        if (all || part.equals("retry")) {
            b.retry(Retry.builder("bench").maxAttempts(Limits.RETRY_MAX_ATTEMPTS).initialDelay(Limits.RETRY_WAIT)
                    .clock(c).build());
        }
        if (all || part.equals("cb")) {
            b.gate(CircuitBreaker.builder("bench")
                    .slidingWindow(Limits.CB_WINDOW, Limits.CB_WINDOW, SlidingWindowType.COUNT_BASED)
                    .failureRateThreshold(Limits.CB_FAILURE_RATE_PERCENT).clock(c).build());
        }
        if (all || part.equals("rl")) {
            b.gate(RateLimiter.builder("bench").defaultQuota(Quota.perSecond(Limits.RATE_PER_SECOND)).clock(c)
                    .build());
        }
        if (all || part.equals("bulkhead")) {
            b.gate(Bulkhead.builder("bench").maxConcurrentCalls(Limits.BULKHEAD_MAX_CONCURRENT).clock(c)
                    .build());
        }
        pipeline = b.build();
        Limits.check(pipeline.call(action));
    }

    @TearDown
    public void tearDown() {
        if (coarse != null) {
            coarse.close();
        }
    }

    @Benchmark
    public Object pipeline() throws Exception {
        return pipeline.call(action);
    }

    /** One System.nanoTime(): the pipeline reads the clock twice per attempt, some policies once more. */
    @Benchmark
    public long nanoTime() {
        return System.nanoTime();
    }

    /** Millisecond-fresh monotonic time from a field: what a cheaper time source would cost. */
    static final class CoarseClock implements Clock, AutoCloseable {
        private volatile long nanos = System.nanoTime();
        private volatile boolean running = true;
        private final Thread ticker = Thread.ofPlatform().daemon().name("coarse-clock").start(() -> {
            while (running) {
                nanos = System.nanoTime();
                LockSupport.parkNanos(1_000_000);
            }
        });

        @Override
        public long nanoTime() {
            return nanos;
        }

        @Override
        public long currentTimeMillis() {
            return System.currentTimeMillis();
        }

        @Override
        public void close() {
            running = false;
            ticker.interrupt();
        }
    }
}
