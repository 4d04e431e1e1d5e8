package io.nines.core.ratelimiter;

import io.nines.core.Allocation;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.nines.core.CallContext;
import io.nines.core.InvalidConfigException;
import io.nines.core.ManualClock;
import io.nines.core.RateLimitedException;
import io.nines.core.Refusal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class RateLimiterTest {

    private final ManualClock clock = new ManualClock();

    private RateLimiterBuilder tenPerSecond() {
        return RateLimiter.builder("api").clock(clock).defaultQuota(Quota.perSecond(10));
    }

    private static int take(RateLimiter rl, String caller, int attempts) {
        int ok = 0;
        for (int i = 0; i < attempts; i++) {
            if (rl.tryAcquire(caller)) {
                ok++;
            }
        }
        return ok;
    }

    @Test
    void refillsExactlyOnePermitPerIntervalAndNeverBeyondTheBurst() {
        RateLimiter rl = tenPerSecond().build();

        assertThat(take(rl, null, 15)).isEqualTo(10);
        clock.advanceMillis(99);
        assertThat(rl.tryAcquire(null)).isFalse();
        clock.advanceMillis(1); // 100 ms: exactly one permit
        assertThat(rl.tryAcquire(null)).isTrue();
        assertThat(rl.tryAcquire(null)).isFalse();

        clock.advanceMillis(250); // two permits, and half of a third
        assertThat(take(rl, null, 5)).isEqualTo(2);
        clock.advanceMillis(49);
        assertThat(rl.tryAcquire(null)).isFalse();
        clock.advanceMillis(1);
        assertThat(rl.tryAcquire(null)).isTrue();

        clock.advance(Duration.ofSeconds(60)); // a long pause refills to the burst, not to 600
        assertThat(rl.availablePermits(null)).isEqualTo(10);
        assertThat(take(rl, null, 30)).isEqualTo(10);
        assertThat(rl.availablePermits(null)).isZero();
    }

    @Test
    void burstAndRateAreIndependent() {
        RateLimiter rl = RateLimiter.builder("api").clock(clock)
                .defaultQuota(Quota.of(10, Duration.ofSeconds(1), 3)).build();

        assertThat(take(rl, null, 10)).isEqualTo(3);
        clock.advance(Duration.ofSeconds(5));
        assertThat(take(rl, null, 10)).isEqualTo(3);
        // then exactly the rate: 10 over the next second
        int ok = 0;
        for (int ms = 1; ms <= 1000; ms++) {
            clock.advanceMillis(1);
            ok += take(rl, null, 1);
        }
        assertThat(ok).isEqualTo(10);
    }

    @Test
    void takesSeveralPermitsAtOnceOrNone() {
        RateLimiter rl = tenPerSecond().build();

        assertThat(rl.tryAcquire(null, 7)).isTrue();
        assertThat(rl.tryAcquire(null, 4)).isFalse();
        assertThat(rl.availablePermits(null)).isEqualTo(3); // the refused request took nothing
        assertThat(rl.tryAcquire(null, 3)).isTrue();
        clock.advance(Duration.ofSeconds(10));
        assertThat(rl.tryAcquire(null, 11)).as("more than the burst never fits").isFalse();
        assertThat(rl.tryAcquire(null, 10)).isTrue();
        assertThatThrownBy(() -> rl.tryAcquire(null, 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void refusalNamesPolicyCallerAndQuota() {
        RateLimiter rl = tenPerSecond().perCaller(true).build();
        CallContext a = CallContext.caller("A");
        for (int i = 0; i < 10; i++) {
            rl.acquire(a);
        }
        List<RateLimiterEvent> events = new ArrayList<>();
        rl.events().subscribe(events::add);

        RateLimitedException e = catchThrowableOfType(RateLimitedException.class, () -> rl.acquire(a));

        assertThat(e.caller()).isEqualTo("A");
        assertThat(e.policy()).isEqualTo("api");
        assertThat(e.refusal()).isEqualTo(Refusal.RATE_LIMITED);
        assertThat(e.getMessage()).contains("'A'").contains("10 per PT1S (burst 10)");
        assertThat(e.getStackTrace()).isEmpty();
        assertThat(events).containsExactly(new RateLimiterEvent.Refused("api", "A", false, clock.currentTimeMillis()));
        assertThat(rl.metrics().refusals()).isEqualTo(1);
        assertThat(rl.metrics().trackedCallers()).isEqualTo(1);
    }

    @Test
    void sharedLimiterIgnoresCallerAndReportsNone() {
        RateLimiter rl = tenPerSecond().build();
        assertThat(take(rl, "A", 6) + take(rl, "B", 6)).isEqualTo(10);
        RateLimitedException e = catchThrowableOfType(RateLimitedException.class,
                () -> rl.acquire(CallContext.caller("B")));
        assertThat(e.caller()).isNull();
        assertThat(rl.metrics().trackedCallers()).isZero();
    }

    @Test
    void overridesReplaceTheDefaultQuotaAndTheNullCallerSharesTheDefaultBucket() {
        RateLimiter rl = tenPerSecond().perCaller(true)
                .override("vip", Quota.perSecond(100))
                .override("slow", Quota.of(1, Duration.ofSeconds(1), 1))
                .build();

        assertThat(take(rl, "vip", 500)).isEqualTo(100);
        assertThat(take(rl, "slow", 500)).isEqualTo(1);
        assertThat(take(rl, "other", 500)).isEqualTo(10);
        assertThat(take(rl, null, 6) + take(rl, null, 6)).isEqualTo(10);
        assertThat(rl.availablePermits("vip")).isZero();
        assertThat(rl.availablePermits("untracked")).isEqualTo(10);

        clock.advanceMillis(100);
        assertThat(take(rl, "vip", 500)).isEqualTo(10);
        assertThat(take(rl, "slow", 500)).isZero();
        assertThat(take(rl, "other", 500)).isEqualTo(1);
    }

    /** Seed 002: one caller's surge drops only its own requests. */
    @Test
    void callerTenTimesOverQuotaIsCutToItsQuotaWhileCallerAtQuotaIsNeverRefused() {
        RateLimiter rl = tenPerSecond().perCaller(true).build();
        CallContext a = CallContext.caller("A");
        CallContext b = CallContext.caller("B");
        int aOk = 0;
        int aRefused = 0;
        int bRefused = 0;
        // 10 s in 10 ms steps: A calls every step (100/s = 10x), B every 100 ms (exactly 10/s)
        for (int step = 0; step < 1000; step++) {
            try {
                rl.acquire(a);
                aOk++;
            } catch (RateLimitedException e) {
                assertThat(e.caller()).isEqualTo("A");
                aRefused++;
            }
            if (step % 10 == 0) {
                try {
                    rl.acquire(b);
                } catch (RateLimitedException e) {
                    bRefused++;
                }
            }
            clock.advanceMillis(10);
        }
        // burst 10 at t=0, then one per 100 ms from t=100 ms to t=9.9 s
        assertThat(aOk).isEqualTo(10 + 99);
        assertThat(aRefused).isEqualTo(1000 - 109);
        assertThat((double) aRefused / 1000).isGreaterThan(0.88);
        assertThat(bRefused).isZero();
    }

    @Test
    void callerAtQuotaIsNeverRefusedEvenWithBurstOne() {
        RateLimiter rl = tenPerSecond().perCaller(true).override("B", Quota.of(10, Duration.ofSeconds(1), 1)).build();
        for (int i = 0; i < 1000; i++) {
            assertThat(rl.tryAcquire("B")).isTrue();
            assertThat(rl.tryAcquire("B")).isFalse();
            clock.advanceMillis(100);
        }
    }

    @Test
    void perCallerQuotasHoldUnderConcurrency() throws Exception {
        RateLimiter rl = tenPerSecond().perCaller(true).build();
        int steps = 1000;
        int aThreads = 3;
        // each step: the A threads hammer A, the B thread calls B every 10th step; then time moves 10 ms
        CyclicBarrier barrier = new CyclicBarrier(aThreads + 1, () -> clock.advanceMillis(10));
        AtomicInteger aOk = new AtomicInteger();
        AtomicInteger aRefused = new AtomicInteger();
        AtomicInteger bOk = new AtomicInteger();
        AtomicInteger bRefused = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(aThreads + 1);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < aThreads; t++) {
                futures.add(pool.submit(() -> {
                    for (int s = 0; s < steps; s++) {
                        for (int i = 0; i < 4; i++) {
                            try {
                                rl.acquire(CallContext.caller("A"));
                                aOk.incrementAndGet();
                            } catch (RateLimitedException e) {
                                aRefused.incrementAndGet();
                            }
                        }
                        barrier.await(10, TimeUnit.SECONDS);
                    }
                    return null;
                }));
            }
            futures.add(pool.submit(() -> {
                for (int s = 0; s < steps; s++) {
                    if (s % 10 == 0) {
                        try {
                            rl.acquire(CallContext.caller("B"));
                            bOk.incrementAndGet();
                        } catch (RateLimitedException e) {
                            bRefused.incrementAndGet();
                        }
                    }
                    barrier.await(10, TimeUnit.SECONDS);
                }
                return null;
            }));
            for (Future<?> f : futures) {
                f.get(30, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        // CAS makes concurrent takes as exact as sequential ones: the same 109 permits as alone
        assertThat(aOk.get()).isEqualTo(109);
        assertThat(aOk.get() + aRefused.get()).isEqualTo(steps * aThreads * 4);
        assertThat(bOk.get()).isEqualTo(100);
        assertThat(bRefused.get()).isZero();
    }

    @Test
    void manyDistinctCallersStayBoundedAndActiveCallersKeepTheirQuota() {
        RateLimiter rl = tenPerSecond().perCaller(true).maxCallers(1000).build();
        int aOk = 0;
        int bRefused = 0;
        int maxTracked = 0;
        // 100 000 one-off callers over 10 s, A calling at every step (far over quota), B at its quota
        for (int i = 0; i < 100_000; i++) {
            assertThat(rl.tryAcquire("caller-" + i)).as("a new caller starts with a full bucket").isTrue();
            if (rl.tryAcquire("A")) {
                aOk++;
            }
            if (i % 1000 == 0 && !rl.tryAcquire("B")) {
                bRefused++;
            }
            maxTracked = Math.max(maxTracked, rl.metrics().trackedCallers());
            clock.advance(Duration.ofNanos(100_000));
        }
        assertThat(maxTracked).isLessThanOrEqualTo(1000);
        assertThat(rl.metrics().evictions()).isGreaterThanOrEqualTo(99_000);
        // A owes its whole burst, so it is the last bucket a sweep would drop: its quota held throughout
        assertThat(aOk).isEqualTo(109);
        assertThat(bRefused).isZero();
    }

    @Test
    void idleBucketsGoFirstAndOverQuotaCallersAreKept() {
        RateLimiter rl = tenPerSecond().perCaller(true).maxCallers(10).build();
        assertThat(take(rl, "A", 50)).isEqualTo(10); // A is now 1 s in debt
        for (int i = 0; i < 100; i++) {
            rl.tryAcquire("one-off-" + i); // 100 ms of debt each
            assertThat(rl.metrics().trackedCallers()).isLessThanOrEqualTo(10);
        }
        assertThat(rl.availablePermits("A")).as("A's empty bucket was kept").isZero();
        assertThat(rl.tryAcquire("A")).isFalse();

        clock.advance(Duration.ofSeconds(2)); // every bucket is full again: all idle
        for (int i = 0; i < 5; i++) {
            rl.tryAcquire("late-" + i);
        }
        assertThat(rl.metrics().trackedCallers()).isLessThanOrEqualTo(10);
        assertThat(take(rl, "A", 50)).isEqualTo(10);
    }

    @Test
    void globalQuotaCapsAllCallersAndRefundsTheCallersOwnPermit() {
        RateLimiter rl = RateLimiter.builder("api").clock(clock).perCaller(true)
                .defaultQuota(Quota.perSecond(3))
                .globalQuota(Quota.perSecond(5))
                .build();

        assertThat(take(rl, "A", 10)).isEqualTo(3);
        assertThat(rl.tryAcquire("B")).isTrue();
        assertThat(rl.tryAcquire("B")).isTrue();
        RateLimitedException e = catchThrowableOfType(RateLimitedException.class,
                () -> rl.acquire(CallContext.caller("B")));
        assertThat(e.caller()).as("the shared global bucket refused, not B's").isNull();
        assertThat(e.getMessage()).contains("global quota of 5 per PT1S");
        // B's own bucket lost only the two permits that went through: 200 ms later it holds 1.6 permits
        // (0.6 without the refund), and the global bucket 1
        clock.advanceMillis(200);
        assertThat(rl.availablePermits("B")).isEqualTo(1);
        clock.advance(Duration.ofSeconds(5));
        assertThat(rl.availablePermits("B")).isEqualTo(3);
    }

    @Test
    void abandonGivesThePermitBack() {
        RateLimiter rl = tenPerSecond().perCaller(true).globalQuota(Quota.perSecond(20)).build();
        CallContext a = CallContext.caller("A");
        for (int i = 0; i < 10; i++) {
            rl.acquire(a);
        }
        assertThat(rl.availablePermits("A")).isZero();
        rl.abandon(a);
        rl.abandon(a);
        assertThat(rl.availablePermits("A")).isEqualTo(2);
        rl.onComplete(a, 1_000, null, null); // completion returns nothing: the permit was used
        assertThat(rl.availablePermits("A")).isEqualTo(2);
        for (int i = 0; i < 20; i++) {
            rl.abandon(a); // cannot fill beyond the burst
        }
        assertThat(rl.availablePermits("A")).isEqualTo(10);
    }

    @Test
    void successPathDoesNotAllocate() {
        RateLimiter rl = RateLimiter.builder("api").clock(clock).perCaller(true).maxCallers(10)
                .defaultQuota(Quota.of(1_000_000, Duration.ofSeconds(1))).globalQuota(Quota.perSecond(2_000_000))
                .build();
        CallContext a = CallContext.caller("A");
        for (int i = 0; i < 9; i++) {
            rl.tryAcquire("other-" + i);
        }
        Duration micro = Duration.ofNanos(1_000);
        Runnable call = () -> {
            clock.advance(micro); // 1 call per microsecond: exactly the caller's rate
            rl.acquire(a);
            rl.onComplete(a, 1_000, "ok", null);
        };
        assertThat(Allocation.bytesPerCall(call)).isLessThan(0.1);
        assertThat(rl.metrics().refusals()).isZero();
    }

    @Test
    void configErrorsNameTheField() {
        assertField(() -> RateLimiter.builder("x").defaultQuota(Quota.perSecond(0)).build(), "defaultQuota.permits");
        assertField(() -> RateLimiter.builder("x").defaultQuota(new Quota(1, Duration.ZERO, 1)).build(),
                "defaultQuota.period");
        assertField(() -> RateLimiter.builder("x").defaultQuota(new Quota(1, null, 1)).build(), "defaultQuota.period");
        assertField(() -> RateLimiter.builder("x").defaultQuota(Quota.perSecond(5).withBurst(0)).build(),
                "defaultQuota.burst");
        assertField(() -> RateLimiter.builder("x").defaultQuota(null).build(), "defaultQuota");
        assertField(() -> RateLimiter.builder("x").override("A", Quota.perSecond(-1)).build(), "overrides[A].permits");
        assertField(() -> RateLimiter.builder("x").globalQuota(Quota.of(2_000_000_000, Duration.ofNanos(10))).build(),
                "globalQuota.permits");
        assertField(() -> RateLimiter.builder("x").maxCallers(0).build(), "maxCallers");
        assertField(() -> RateLimiter.builder(null).build(), "name");
        assertField(() -> RateLimiter.builder("x").clock(null).build(), "clock");
    }

    @Test
    void configRoundTripsThroughTheBuilder() {
        RateLimiterConfig config = tenPerSecond().perCaller(true).override("A", Quota.perSecond(1)).maxCallers(5)
                .config();
        assertThat(RateLimiter.builder("y").from(config).config()).isEqualTo(config);
        assertThat(RateLimiter.of("y", config, clock).config().quotaOf("A")).isEqualTo(Quota.perSecond(1));
    }

    private static void assertField(Runnable r, String field) {
        InvalidConfigException e = catchThrowableOfType(InvalidConfigException.class, r::run);
        assertThat(e).as("expected a config error on " + field).isNotNull();
        assertThat(e.field()).isEqualTo(field);
        assertThat(e.policy()).isEqualTo("rateLimiter");
        assertThat(e.getMessage()).contains(field);
    }
}
