package io.nines.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nines.core.bulkhead.Bulkhead;
import io.nines.core.circuitbreaker.CircuitBreaker;
import io.nines.core.ratelimiter.Quota;
import io.nines.core.ratelimiter.RateLimiter;
import io.nines.core.retry.Retry;
import io.nines.core.retry.RetryBudget;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The real policies stacked in one pipeline: order, isolation of refusals, and virtual threads. */
class PipelineCompositionTest {

    private final ManualClock clock = new ManualClock();

    private CircuitBreaker breaker() {
        return CircuitBreaker.builder("cb").slidingWindowSize(10).minimumNumberOfCalls(5).failureRateThreshold(50)
                .clock(clock).build();
    }

    private RateLimiter limiter() {
        return RateLimiter.builder("rl").perCaller(true).defaultQuota(Quota.of(5, Duration.ofSeconds(1), 5))
                .clock(clock).build();
    }

    @Test
    void theBuilderAppliesTheDesignOrderWhateverTheCallOrder() {
        CircuitBreaker cb = breaker();
        RateLimiter rl = limiter();
        Bulkhead bh = Bulkhead.builder("bh").maxConcurrentCalls(2).clock(clock).build();
        Pipeline p = Pipeline.builder("p").bulkhead(bh).rateLimiter(rl).circuitBreaker(cb).build();

        assertThat(p.gates()).containsExactly(cb, rl, bh);
    }

    @Test
    void policiesKeepingTimeInDifferentClocksAreRefusedAtBuild() {
        CircuitBreaker manual = breaker();
        RateLimiter system = RateLimiter.builder("rl").build();
        assertThatThrownBy(() -> Pipeline.builder("p").circuitBreaker(manual).rateLimiter(system).build())
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("pipeline.clock").hasMessageContaining("gate 'rl'").hasMessageContaining("gate 'cb'");
        assertThatThrownBy(() -> Pipeline.builder("p").clock(Clock.system()).circuitBreaker(manual).build())
                .isInstanceOf(InvalidConfigException.class).hasMessageContaining("than the pipeline");
        // Without an explicit clock, the pipeline adopts its policies' clock.
        assertThat(Pipeline.builder("p").circuitBreaker(manual).build().gates()).containsExactly(manual);
    }

    @Test
    void anOpenCircuitSpendsNoRateLimitPermitAndARateLimitRefusalIsNotABreakerFailure() throws Exception {
        CircuitBreaker cb = breaker();
        RateLimiter rl = limiter();
        Bulkhead bh = Bulkhead.builder("bh").maxConcurrentCalls(2).clock(clock).build();
        Pipeline p = Pipeline.builder("p").circuitBreaker(cb).rateLimiter(rl).bulkhead(bh).build();
        CallContext a = CallContext.caller("A");

        // Caller A overruns its quota: refusals name A, and the breaker does not count them as failures.
        int refused = 0;
        for (int i = 0; i < 20; i++) {
            try {
                p.call(a, () -> "ok");
            } catch (RateLimitedException e) {
                assertThat(e.caller()).isEqualTo("A");
                refused++;
            }
        }
        assertThat(refused).isEqualTo(15);
        assertThat(cb.state()).isEqualTo(CircuitBreaker.State.CLOSED);
        assertThat(cb.metrics().failedCalls()).isZero();
        assertThat(bh.inflight()).isZero();

        // With the circuit forced open, B's calls never reach the rate limiter.
        cb.forceOpen();
        long before = rl.availablePermits("B");
        assertThatThrownBy(() -> p.call(CallContext.caller("B"), () -> "ok")).isInstanceOf(CircuitOpenException.class);
        assertThat(rl.availablePermits("B")).isEqualTo(before);
    }

    @Test
    void failuresOpenTheBreakerAndRetriesDoNotHammerAnOpenCircuit() {
        CircuitBreaker cb = breaker();
        AtomicInteger runs = new AtomicInteger();
        Retry retry = Retry.builder("r").maxAttempts(3).backoff(Duration.ZERO, 1, Duration.ZERO)
                .budget(RetryBudget.unlimited()).clock(clock).build();
        Pipeline p = Pipeline.builder("p").circuitBreaker(cb).retry(retry).clock(clock).build();

        for (int i = 0; i < 10; i++) {
            try {
                p.call(() -> {
                    runs.incrementAndGet();
                    throw new java.io.IOException("down");
                });
            } catch (Exception expected) {
                // counted below
            }
        }
        assertThat(cb.state()).isEqualTo(CircuitBreaker.State.OPEN);
        // The breaker needs 5 calls to judge; once open, the retry sees CircuitOpen and stops at once.
        assertThat(runs.get()).isEqualTo(5);
    }

    @Test
    void thousandsOfVirtualThreadsShareTheBulkheadWithoutLeaksOrDeadlock() throws Exception {
        Bulkhead bh = Bulkhead.builder("bh").maxConcurrentCalls(50).build();
        CircuitBreaker cb = CircuitBreaker.builder("vt").build();
        RateLimiter rl = RateLimiter.builder("vt").defaultQuota(Quota.of(1_000_000, Duration.ofSeconds(1), 1_000_000))
                .build();
        Pipeline p = Pipeline.builder("vt").circuitBreaker(cb).rateLimiter(rl).bulkhead(bh).build();
        AtomicInteger ok = new AtomicInteger();
        AtomicInteger full = new AtomicInteger();
        AtomicInteger concurrent = new AtomicInteger();
        AtomicInteger maxConcurrent = new AtomicInteger();
        CountDownLatch release = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        var errors = ConcurrentHashMap.<Throwable>newKeySet();

        for (int i = 0; i < 5000; i++) {
            threads.add(Thread.ofVirtual().start(() -> {
                try {
                    p.call(() -> {
                        maxConcurrent.accumulateAndGet(concurrent.incrementAndGet(), Math::max);
                        release.await(10, TimeUnit.SECONDS); // parks the virtual thread, not its carrier
                        concurrent.decrementAndGet();
                        return ok.incrementAndGet();
                    });
                } catch (BulkheadFullException e) {
                    full.incrementAndGet();
                } catch (Throwable t) {
                    errors.add(t);
                }
            }));
        }
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20))
                .until(() -> full.get() + concurrent.get() == 5000 || full.get() == 5000 - 50);
        release.countDown();
        for (Thread t : threads) {
            t.join(TimeUnit.SECONDS.toMillis(20));
        }
        assertThat(errors).isEmpty();
        assertThat(maxConcurrent.get()).isLessThanOrEqualTo(50);
        assertThat(ok.get() + full.get()).isEqualTo(5000);
        assertThat(ok.get()).isGreaterThanOrEqualTo(50);
        assertThat(bh.inflight()).isZero();
    }
}
