package io.nines.core.circuitbreaker;

import static io.nines.core.circuitbreaker.CircuitBreakerConfig.SlidingWindowType.COUNT_BASED;
import static io.nines.core.circuitbreaker.CircuitBreakerConfig.SlidingWindowType.TIME_BASED;
import static org.assertj.core.api.Assertions.assertThat;

import io.nines.core.CallContext;
import io.nines.core.ManualClock;
import io.nines.core.circuitbreaker.CircuitBreaker.State;
import io.nines.core.circuitbreaker.CircuitBreakerConfig.SlidingWindowType;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class CircuitBreakerConcurrencyTest {

    private static final CallContext CTX = CallContext.DEFAULT;
    private static final int THREADS = 8;
    private static final int CALLS = 10_000;
    private static final long FAST = Duration.ofMillis(1).toNanos();
    private static final long SLOW = Duration.ofSeconds(2).toNanos();
    private static final IOException BOOM = new IOException("boom");

    private final ManualClock clock = new ManualClock();
    private final ExecutorService pool = Executors.newFixedThreadPool(THREADS + 1);

    @AfterEach
    void stop() throws InterruptedException {
        pool.shutdownNow();
        assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }

    /** Runs {@code body(thread)} on THREADS threads released together; waits for all. */
    private void onThreads(ThrowingIntConsumer body) throws Exception {
        CyclicBarrier start = new CyclicBarrier(THREADS);
        List<Future<?>> futures = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            int thread = t;
            futures.add(pool.submit(() -> {
                start.await();
                body.accept(thread);
                return null;
            }));
        }
        for (Future<?> f : futures) {
            f.get(20, TimeUnit.SECONDS);
        }
    }

    @FunctionalInterface
    interface ThrowingIntConsumer {
        void accept(int value) throws Exception;
    }

    /** Call i of every thread fails when i % 10 == 0 and is slow when i % 7 == 0. */
    private static void mixedCalls(CircuitBreaker cb) {
        for (int i = 0; i < CALLS; i++) {
            cb.acquire(CTX);
            cb.onComplete(CTX, i % 7 == 0 ? SLOW : FAST, "ok", i % 10 == 0 ? BOOM : null);
        }
    }

    @ParameterizedTest
    @EnumSource(SlidingWindowType.class)
    void concurrentCallsAddUpExactly(SlidingWindowType type) throws Exception {
        int size = type == COUNT_BASED ? THREADS * CALLS : 60;
        CircuitBreaker cb = CircuitBreaker.builder("stress").clock(clock)
                .slidingWindow(size, THREADS * CALLS, type) // rates are judged only on the last call
                .failureRateThreshold(50)
                .slowCallRateThreshold(50)
                .slowCallDurationThreshold(Duration.ofSeconds(1))
                .build();
        onThreads(t -> mixedCalls(cb));
        CircuitBreaker.Metrics m = cb.metrics();
        assertThat(m.state()).isEqualTo(State.CLOSED);
        assertThat(m.numberOfCalls()).isEqualTo(THREADS * CALLS);
        assertThat(m.failedCalls()).isEqualTo(THREADS * (CALLS / 10));
        assertThat(m.slowCalls()).isEqualTo(THREADS * ((CALLS + 6) / 7));
    }

    @Test
    void aSmallCountWindowUnderContentionHoldsExactlyTheLastCalls() throws Exception {
        CircuitBreaker cb = CircuitBreaker.builder("stress").clock(clock).slidingWindow(1000, 1000, COUNT_BASED).build();
        cb.forceClosed(); // records but never opens, so every call is admitted
        onThreads(t -> {
            for (int i = 0; i < CALLS; i++) {
                cb.acquire(CTX);
                cb.onComplete(CTX, i % 2 == 0 ? SLOW : FAST, null, BOOM);
            }
        });
        assertThat(cb.metrics().numberOfCalls()).isEqualTo(1000);
        assertThat(cb.metrics().failedCalls()).isEqualTo(1000);
        assertThat(cb.metrics().slowCalls()).isBetween(0L, 1000L);
        onThreads(t -> {
            for (int i = 0; i < CALLS; i++) {
                cb.acquire(CTX);
                cb.onComplete(CTX, FAST, "ok", null);
            }
        });
        // every slot was overwritten by successes: a single lost or doubled delta would show here
        assertThat(cb.metrics()).isEqualTo(new CircuitBreaker.Metrics(0f, 0f, 1000, 0, 0, 0, State.FORCED_CLOSED));
    }

    @Test
    void aTimeWindowStaysConsistentWhileTheClockMovesUnderIt() throws Exception {
        CircuitBreaker cb = CircuitBreaker.builder("stress").clock(clock).slidingWindow(3, 1, TIME_BASED).build();
        cb.forceClosed();
        AtomicBoolean done = new AtomicBoolean();
        Future<?> ticker = pool.submit(() -> {
            while (!done.get()) {
                clock.advance(Duration.ofMillis(7));
                Thread.yield();
            }
        });
        onThreads(t -> mixedCalls(cb));
        done.set(true);
        ticker.get(10, TimeUnit.SECONDS);
        CircuitBreaker.Metrics m = cb.metrics();
        assertThat(m.numberOfCalls()).isBetween(0L, (long) THREADS * CALLS);
        assertThat(m.failedCalls()).isBetween(0L, m.numberOfCalls());
        // once the window has moved past every recorded second, the totals must come back to exactly zero
        clock.advance(Duration.ofSeconds(4));
        assertThat(cb.metrics()).isEqualTo(new CircuitBreaker.Metrics(-1f, -1f, 0, 0, 0, 0, State.FORCED_CLOSED));
        cb.acquire(CTX);
        cb.onComplete(CTX, FAST, "ok", null);
        assertThat(cb.metrics().numberOfCalls()).isEqualTo(1);
    }

    @Test
    void halfOpenAdmitsExactlyTheTrialCallsWhenManyThreadsAsk() throws Exception {
        int probes = 3;
        CircuitBreaker cb = CircuitBreaker.builder("probes").clock(clock)
                .slidingWindow(10, 10, COUNT_BASED)
                .waitDurationInOpenState(Duration.ofSeconds(5))
                .permittedCallsInHalfOpenState(probes)
                .build();
        for (int round = 0; round < 20; round++) {
            cb.transitionToOpen();
            clock.advance(Duration.ofSeconds(5)); // the first acquire moves it to half-open
            AtomicInteger admitted = new AtomicInteger();
            AtomicInteger refused = new AtomicInteger();
            CountDownLatch go = new CountDownLatch(1);
            CountDownLatch finished = new CountDownLatch(THREADS);
            for (int t = 0; t < THREADS; t++) {
                pool.execute(() -> {
                    try {
                        go.await();
                        (cb.tryAcquirePermission() ? admitted : refused).incrementAndGet();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    } finally {
                        finished.countDown();
                    }
                });
            }
            go.countDown();
            assertThat(finished.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(admitted).hasValue(probes);
            assertThat(refused).hasValue(THREADS - probes);
            assertThat(cb.state()).isEqualTo(State.HALF_OPEN);
        }
    }

    @Test
    void concurrentFailuresOpenTheBreakerExactlyOnce() throws Exception {
        // A window larger than the minimum: every failure after the 100th still changes the counts, so all
        // threads finishing at that moment see the threshold crossed and race to open the breaker.
        CircuitBreaker cb = CircuitBreaker.builder("trip").clock(clock)
                .slidingWindow(10_000, 100, COUNT_BASED)
                .failureRateThreshold(50)
                .build();
        List<CircuitBreakerEvent.StateTransition> transitions = new CopyOnWriteArrayList<>();
        AtomicInteger exceeded = new AtomicInteger();
        cb.events().subscribe(e -> {
            if (e instanceof CircuitBreakerEvent.StateTransition st) {
                transitions.add(st);
            } else if (e instanceof CircuitBreakerEvent.FailureRateExceeded) {
                exceeded.incrementAndGet();
            }
        });
        for (int round = 0; round < 50; round++) {
            cb.reset();
            transitions.clear(); // reset's own event
            exceeded.set(0);
            CyclicBarrier admitted = new CyclicBarrier(THREADS);
            onThreads(t -> {
                for (int i = 0; i < 50; i++) {
                    cb.acquire(CTX); // nothing is recorded yet: all admitted
                }
                admitted.await();
                for (int i = 0; i < 50; i++) {
                    cb.onComplete(CTX, FAST, null, BOOM);
                }
            });
            assertThat(cb.state()).isEqualTo(State.OPEN);
            assertThat(transitions).extracting(CircuitBreakerEvent.StateTransition::to).containsExactly(State.OPEN);
            assertThat(exceeded).hasValue(1);
        }
    }
}
