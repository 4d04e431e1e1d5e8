package io.nines.core.concurrencylimit;

import io.nines.core.Allocation;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.api.Assertions.within;

import io.nines.core.CallContext;
import io.nines.core.InvalidConfigException;
import io.nines.core.ManualClock;
import io.nines.core.Refusal;
import io.nines.core.ShedException;
import io.nines.core.TimeoutExceededException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntToLongFunction;
import org.junit.jupiter.api.Test;

class ConcurrencyLimitTest {

    private static final long MS = 1_000_000L;
    private static final CallContext CTX = CallContext.DEFAULT;

    private final ManualClock clock = new ManualClock();

    private ConcurrencyLimitBuilder builder() {
        return ConcurrencyLimit.builder("svc").clock(clock);
    }

    /**
     * One tick of simulated load: {@code offered} calls arrive at once, the admitted ones run for
     * {@code rtt(admitted)} (a server's latency depends on its load), then complete.
     *
     * @return the calls shed in this tick
     */
    private int tick(ConcurrencyLimit cl, int offered, IntToLongFunction rttOfAdmitted) {
        int limitBefore = cl.limit();
        int admitted = 0;
        for (int i = 0; i < offered; i++) {
            if (cl.tryAcquire(null)) {
                admitted++;
            }
        }
        assertThat(admitted).isEqualTo(Math.min(offered, limitBefore));
        long rtt = rttOfAdmitted.applyAsLong(admitted);
        clock.advance(Duration.ofNanos(rtt));
        for (int i = 0; i < admitted; i++) {
            cl.onComplete(CTX, rtt, "ok", null);
        }
        assertThat(cl.inflight()).isZero();
        return offered - admitted;
    }

    @Test
    void limitGrowsUnderSteadyLatencyFallsWhenLatencyRisesAndRecovers() {
        ConcurrencyLimit cl = builder().initialLimit(20).minLimit(4).maxLimit(200).build();
        int offered = 300;
        IntToLongFunction healthy = n -> 10 * MS;
        // degraded: 5x the latency, and worse with load beyond 50 concurrent calls
        IntToLongFunction degraded = n -> 50 * MS * Math.max(1, n) / Math.min(Math.max(1, n), 50);

        int peak = 0;
        long shedLateHealthy = 0;
        for (int t = 0; t < 3000; t++) {
            int shed = tick(cl, offered, healthy);
            peak = Math.max(peak, cl.limit());
            if (t >= 2900) {
                shedLateHealthy += shed;
            }
        }
        assertThat(peak).as("steady low latency grows the limit to its maximum").isEqualTo(200);
        assertThat(cl.limit()).isEqualTo(200);
        long baselineRtt = cl.metrics().longRttNanos();
        assertThat(baselineRtt).isCloseTo(10 * MS, within(1_000L));

        int lowest = cl.limit();
        long shedLateDegraded = 0;
        List<Integer> trajectory = new ArrayList<>();
        for (int t = 0; t < 300; t++) {
            int shed = tick(cl, offered, degraded);
            lowest = Math.min(lowest, cl.limit());
            trajectory.add(cl.limit());
            if (t >= 200) {
                shedLateDegraded += shed;
            }
        }
        assertThat(lowest).as("latency x5 cuts the limit below half its peak").isLessThan(peak / 2);
        assertThat(cl.limit()).isLessThan(peak / 4);
        assertThat(trajectory.get(10)).as("it falls by a quarter within 10 ticks").isLessThan(peak * 3 / 4);
        assertThat(shedLateDegraded).as("sheds per tick rise").isGreaterThan(2 * shedLateHealthy);

        int recovered = 0;
        for (int t = 0; t < 3000; t++) {
            tick(cl, offered, healthy);
            recovered = cl.limit();
        }
        assertThat(recovered).as("back to baseline latency, the limit recovers").isGreaterThan(peak * 8 / 10);
        assertThat(cl.metrics().longRttNanos()).as("the baseline heads back down").isLessThan(20 * MS);
    }

    @Test
    void shedsWhenInflightReachesTheLimit() {
        ConcurrencyLimit cl = builder().initialLimit(5).minLimit(1).build();
        List<ConcurrencyLimitEvent> events = new ArrayList<>();
        cl.events().subscribe(events::add);
        for (int i = 0; i < 5; i++) {
            cl.acquire(CTX);
        }
        ShedException e = catchThrowableOfType(ShedException.class, () -> cl.acquire(CallContext.caller("A")));
        assertThat(e.refusal()).isEqualTo(Refusal.SHED);
        assertThat(e.policy()).isEqualTo("svc");
        assertThat(e.getMessage()).contains("5 calls in flight");
        assertThat(events).containsExactly(new ConcurrencyLimitEvent.Shed("svc", "A", false, 5, 5,
                clock.currentTimeMillis()));
        assertThat(cl.shedCount()).isEqualTo(1);
        assertThat(cl.metrics().shed()).isEqualTo(1);

        cl.onComplete(CTX, 10 * MS, null, null);
        assertThat(cl.inflight()).isEqualTo(4);
        cl.acquire(CTX);
        cl.abandon(CTX);
        assertThat(cl.inflight()).isEqualTo(4);
    }

    @Test
    void timeoutsBackTheLimitOffAndOtherErrorsAreIgnored() {
        ConcurrencyLimit cl = builder().initialLimit(100).maxLimit(200).build();
        List<ConcurrencyLimitEvent> events = new ArrayList<>();
        cl.events().subscribe(events::add);
        for (int i = 0; i < 60; i++) {
            cl.acquire(CTX);
        }
        clock.advance(Duration.ofMillis(100));
        // a failing backend's fast errors say nothing about the limit
        for (int i = 0; i < 30; i++) {
            cl.onComplete(CTX, 1_000, null, new IllegalStateException("business error"));
        }
        assertThat(cl.limit()).isEqualTo(100);
        assertThat(cl.inflight()).isEqualTo(30);
        cl.onComplete(CTX, 100 * MS, null, new TimeoutExceededException("timeout", "too slow"));
        assertThat(cl.limit()).isEqualTo(90);
        assertThat(events).containsExactly(new ConcurrencyLimitEvent.LimitChanged("svc", 100, 90,
                clock.currentTimeMillis()));
        assertThat(cl.inflight()).isEqualTo(29);
    }

    @Test
    void doesNotGrowWhileAppLimited() {
        ConcurrencyLimit cl = builder().initialLimit(20).build();
        for (int t = 0; t < 500; t++) {
            tick(cl, 5, n -> 10 * MS); // only 5 of 20 ever used
        }
        assertThat(cl.limit()).isEqualTo(20);
        assertThat(cl.metrics().longRttNanos()).isCloseTo(10 * MS, within(1_000L));
    }

    @Test
    void windowsWithTooFewSamplesAreDiscarded() {
        // 20 calls of 10 ms once a second: a window ends at maxWindow (1 s) holding only ~20 samples
        ConcurrencyLimit sparse = builder().initialLimit(20).windowMinSamples(50).build();
        ConcurrencyLimit enough = builder().initialLimit(20).windowMinSamples(10).build();
        for (int t = 0; t < 100; t++) {
            tick(sparse, 20, n -> 10 * MS);
            tick(enough, 20, n -> 10 * MS);
            clock.advance(Duration.ofMillis(980));
        }
        assertThat(sparse.limit()).isEqualTo(20);
        assertThat(sparse.metrics().longRttNanos()).as("no window was ever used").isZero();
        // the control grows until the app-limited rule stops it: 20 in flight is under half of a limit above 40
        assertThat(enough.limit()).isBetween(39, 41);
    }

    @Test
    void eachCallerGetsAShareOfTheLimit() {
        ConcurrencyLimit cl = builder().initialLimit(10).perCaller(true).perCallerFraction(0.5).build();
        for (int i = 0; i < 5; i++) {
            cl.acquire(CallContext.caller("A"));
        }
        ShedException e = catchThrowableOfType(ShedException.class, () -> cl.acquire(CallContext.caller("A")));
        assertThat(e.getMessage()).contains("'A'").contains("share of 5");
        for (int i = 0; i < 5; i++) {
            assertThat(cl.tryAcquire("B")).isTrue();
        }
        assertThat(cl.tryAcquire("C")).as("the limit itself is full").isFalse();
        assertThat(cl.inflight()).isEqualTo(10);
        cl.onComplete(CallContext.caller("A"), 10 * MS, null, null);
        assertThat(cl.tryAcquire("B")).as("B is at its share").isFalse();
        assertThat(cl.tryAcquire("C")).isTrue();
        assertThat(cl.metrics().trackedCallers()).isEqualTo(3);
    }

    @Test
    void inflightNeverExceedsTheLimitAcrossThreads() throws Exception {
        ConcurrencyLimit cl = builder().initialLimit(3).minLimit(3).maxLimit(3).build();
        int threads = 4;
        AtomicInteger running = new AtomicInteger();
        AtomicInteger maxRunning = new AtomicInteger();
        AtomicInteger admitted = new AtomicInteger();
        CyclicBarrier start = new CyclicBarrier(threads);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                futures.add(pool.submit(() -> {
                    start.await(10, TimeUnit.SECONDS);
                    for (int i = 0; i < 20_000; i++) {
                        if (cl.tryAcquire(null)) {
                            admitted.incrementAndGet();
                            maxRunning.accumulateAndGet(running.incrementAndGet(), Math::max);
                            running.decrementAndGet();
                            cl.onComplete(CTX, 10 * MS, null, null);
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get(30, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(admitted.get()).isPositive();
        assertThat(maxRunning.get()).isBetween(1, 3);
        assertThat(cl.inflight()).isZero();
        assertThat(cl.shedCount() + admitted.get()).isEqualTo(threads * 20_000L);
    }

    @Test
    void successPathDoesNotAllocate() {
        ConcurrencyLimit cl = builder().initialLimit(100).perCaller(true).build();
        CallContext a = CallContext.caller("A");
        Duration micro = Duration.ofNanos(1_000);
        Runnable call = () -> {
            cl.acquire(a);
            clock.advance(micro);
            cl.onComplete(a, 1_000, "ok", null);
        };
        // over 100 000 calls the clock moves 100 ms: a window or two (one small object each) may close
        assertThat(Allocation.bytesPerCall(call)).isLessThan(1.0);
    }

    @Test
    void configErrorsNameTheField() {
        assertField(() -> builder().minLimit(0).build(), "minLimit");
        assertField(() -> builder().minLimit(10).maxLimit(5).initialLimit(5).build(), "maxLimit");
        assertField(() -> builder().initialLimit(500).build(), "initialLimit");
        assertField(() -> builder().smoothing(0).build(), "smoothing");
        assertField(() -> builder().rttTolerance(0.5).build(), "rttTolerance");
        assertField(() -> builder().longWindow(0).build(), "longWindow");
        assertField(() -> builder().queueSize(-1).build(), "queueSize");
        assertField(() -> builder().backoffRatio(1.0).build(), "backoffRatio");
        assertField(() -> builder().minWindow(Duration.ZERO).build(), "minWindow");
        assertField(() -> builder().maxWindow(Duration.ofMillis(10)).build(), "maxWindow");
        assertField(() -> builder().windowMinSamples(0).build(), "windowMinSamples");
        assertField(() -> builder().perCallerFraction(1.5).build(), "perCallerFraction");
        assertField(() -> builder().maxCallers(0).build(), "maxCallers");
        assertField(() -> builder().dropOn(null).build(), "dropOn");
        assertField(() -> ConcurrencyLimit.builder(null).build(), "name");
        ConcurrencyLimitConfig c = builder().initialLimit(7).perCaller(true).config();
        assertThat(ConcurrencyLimit.builder("y").from(c).config()).isEqualTo(c);
    }

    private static void assertField(Runnable r, String field) {
        InvalidConfigException e = catchThrowableOfType(InvalidConfigException.class, r::run);
        assertThat(e).as("expected a config error on " + field).isNotNull();
        assertThat(e.field()).isEqualTo(field);
        assertThat(e.policy()).isEqualTo("concurrencyLimit");
    }
}
