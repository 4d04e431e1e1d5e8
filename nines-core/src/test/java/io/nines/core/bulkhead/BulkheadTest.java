package io.nines.core.bulkhead;

import io.nines.core.Allocation;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.nines.core.BulkheadFullException;
import io.nines.core.CallContext;
import io.nines.core.InvalidConfigException;
import io.nines.core.ManualClock;
import io.nines.core.Refusal;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class BulkheadTest {

    private final ManualClock clock = new ManualClock();

    @Test
    void holdsAtMostMaxConcurrentCallsAcrossThreadsAndRefusesWithoutWaiting() throws Exception {
        Bulkhead bh = Bulkhead.builder("db").clock(clock).maxConcurrentCalls(3).build();
        int threads = 8;
        CountDownLatch attempted = new CountDownLatch(threads);
        CountDownLatch finish = new CountDownLatch(1);
        AtomicInteger admitted = new AtomicInteger();
        AtomicInteger refused = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                futures.add(pool.submit(() -> {
                    try {
                        bh.acquire(CallContext.DEFAULT);
                    } catch (BulkheadFullException e) {
                        refused.incrementAndGet();
                        attempted.countDown();
                        return null;
                    }
                    admitted.incrementAndGet();
                    attempted.countDown();
                    finish.await(10, TimeUnit.SECONDS); // the call is "running"
                    bh.onComplete(CallContext.DEFAULT, 1_000, null, null);
                    return null;
                }));
            }
            assertThat(attempted.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(admitted.get()).isEqualTo(3);
            assertThat(refused.get()).isEqualTo(5);
            assertThat(bh.inflight()).isEqualTo(3);
            assertThat(bh.metrics().availableConcurrentCalls()).isZero();
            finish.countDown();
            for (Future<?> f : futures) {
                f.get(10, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(bh.inflight()).isZero();
        assertThat(bh.metrics().refusals()).isEqualTo(5);
        for (int i = 0; i < 3; i++) {
            assertThat(bh.tryAcquire(null)).isTrue();
        }
        assertThat(bh.tryAcquire(null)).isFalse();
    }

    @Test
    void neverExceedsTheCapUnderContention() throws Exception {
        Bulkhead bh = Bulkhead.builder("db").clock(clock).maxConcurrentCalls(2).perCaller(true)
                .perCallerMaxConcurrentCalls(1).build();
        int threads = 4;
        AtomicInteger running = new AtomicInteger();
        AtomicInteger maxRunning = new AtomicInteger();
        AtomicInteger[] runningPerCaller = {new AtomicInteger(), new AtomicInteger()};
        AtomicInteger violations = new AtomicInteger();
        CyclicBarrier start = new CyclicBarrier(threads);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int callerIndex = t % 2;
                String caller = "c" + callerIndex;
                futures.add(pool.submit(() -> {
                    start.await(10, TimeUnit.SECONDS);
                    for (int i = 0; i < 20_000; i++) {
                        if (bh.tryAcquire(caller)) {
                            maxRunning.accumulateAndGet(running.incrementAndGet(), Math::max);
                            if (runningPerCaller[callerIndex].incrementAndGet() > 1) {
                                violations.incrementAndGet();
                            }
                            runningPerCaller[callerIndex].decrementAndGet();
                            running.decrementAndGet();
                            bh.release(caller);
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
        assertThat(maxRunning.get()).isBetween(1, 2);
        assertThat(violations.get()).isZero();
        assertThat(bh.inflight()).isZero();
        assertThat(bh.inflight("c0")).isZero();
    }

    @Test
    void abandonReleasesThePlace() {
        Bulkhead bh = Bulkhead.builder("db").clock(clock).maxConcurrentCalls(1).build();
        bh.acquire(CallContext.DEFAULT);
        assertThat(bh.tryAcquire(null)).isFalse();
        bh.abandon(CallContext.DEFAULT);
        assertThat(bh.inflight()).isZero();
        bh.acquire(CallContext.DEFAULT);
        bh.onComplete(CallContext.DEFAULT, 5, null, new IllegalStateException("failed calls release too"));
        assertThat(bh.inflight()).isZero();
    }

    @Test
    void strayReleaseDoesNotRaiseTheCap() {
        Bulkhead bh = Bulkhead.builder("db").clock(clock).maxConcurrentCalls(2).perCaller(true).build();
        bh.release(null);
        bh.release("A");
        bh.onComplete(CallContext.caller("B"), 1, null, null);
        assertThat(bh.tryAcquire("A")).isTrue();
        assertThat(bh.tryAcquire("A")).isTrue();
        assertThat(bh.tryAcquire("A")).isFalse();
    }

    @Test
    void eachCallerHasItsOwnCapWithinTheTotal() {
        Bulkhead bh = Bulkhead.builder("db").clock(clock).maxConcurrentCalls(5).perCaller(true)
                .perCallerMaxConcurrentCalls(2).override("vip", 4).build();
        List<BulkheadEvent> events = new ArrayList<>();
        bh.events().subscribe(events::add);
        CallContext a = CallContext.caller("A");

        bh.acquire(a);
        bh.acquire(a);
        BulkheadFullException e = catchThrowableOfType(BulkheadFullException.class, () -> bh.acquire(a));
        assertThat(e.refusal()).isEqualTo(Refusal.BULKHEAD_FULL);
        assertThat(e.policy()).isEqualTo("db");
        assertThat(e.getMessage()).contains("'A'").contains("2");
        assertThat(events).containsExactly(new BulkheadEvent.Refused("db", "A", true, 2, clock.currentTimeMillis()));

        // A at its cap does not stop B, nor the vip
        assertThat(bh.tryAcquire("B")).isTrue();
        assertThat(bh.tryAcquire("vip")).isTrue();
        assertThat(bh.tryAcquire("vip")).isTrue();
        // now 5 in flight: the total refuses the vip below its own cap of 4
        BulkheadFullException total = catchThrowableOfType(BulkheadFullException.class,
                () -> bh.acquire(CallContext.caller("vip")));
        assertThat(total.getMessage()).contains("all 5");
        assertThat(events.get(1)).isEqualTo(new BulkheadEvent.Refused("db", "vip", false, 5, clock.currentTimeMillis()));
        assertThat(bh.inflight("vip")).as("the total's refusal gave the caller's place back").isEqualTo(2);
        assertThat(bh.inflight("A")).isEqualTo(2);
        assertThat(bh.inflight()).isEqualTo(5);

        bh.onComplete(a, 1, null, null);
        assertThat(bh.inflight("A")).isEqualTo(1);
        assertThat(bh.tryAcquire("vip")).isTrue();
        assertThat(bh.metrics().refusals()).isEqualTo(2);
    }

    @Test
    void nullCallerSharesTheDefaultEntry() {
        Bulkhead bh = Bulkhead.builder("db").clock(clock).maxConcurrentCalls(10).perCaller(true)
                .perCallerMaxConcurrentCalls(2).build();
        assertThat(bh.tryAcquire(null)).isTrue();
        bh.acquire(CallContext.DEFAULT);
        assertThat(bh.tryAcquire(null)).isFalse();
        assertThat(bh.tryAcquire("A")).isTrue();
        assertThat(bh.inflight(null)).isEqualTo(2);
    }

    @Test
    void trackedCallersStayBoundedAndBusyCallersAreNeverDropped() {
        Bulkhead bh = Bulkhead.builder("db").clock(clock).maxConcurrentCalls(1000).perCaller(true)
                .perCallerMaxConcurrentCalls(1).maxCallers(100).build();
        assertThat(bh.tryAcquire("busy")).isTrue();
        for (int i = 0; i < 10_000; i++) {
            String c = "c" + i;
            assertThat(bh.tryAcquire(c)).isTrue();
            bh.release(c);
            assertThat(bh.metrics().trackedCallers()).isLessThanOrEqualTo(100);
        }
        assertThat(bh.inflight("busy")).as("kept while its call runs").isEqualTo(1);
        assertThat(bh.tryAcquire("busy")).isFalse();
        bh.release("busy");
        assertThat(bh.inflight("busy")).isZero();
        assertThat(bh.inflight()).isZero();
        assertThat(bh.tryAcquire("busy")).isTrue();
    }

    @Test
    void tableFullOfBusyCallersGrowsOnlyWithTheCallsInFlight() {
        Bulkhead bh = Bulkhead.builder("db").clock(clock).maxConcurrentCalls(1000).perCaller(true)
                .perCallerMaxConcurrentCalls(1).maxCallers(10).build();
        for (int i = 0; i < 30; i++) {
            assertThat(bh.tryAcquire("c" + i)).as("busy callers are not refused for lack of room").isTrue();
        }
        assertThat(bh.metrics().trackedCallers()).isEqualTo(30);
        for (int i = 0; i < 30; i++) {
            bh.release("c" + i);
        }
        for (int i = 0; i < 30; i++) {
            bh.tryAcquire("d" + i);
            bh.release("d" + i);
        }
        assertThat(bh.metrics().trackedCallers()).isLessThanOrEqualTo(10);
    }

    @Test
    void successPathDoesNotAllocate() {
        Bulkhead bh = Bulkhead.builder("db").clock(clock).maxConcurrentCalls(10).perCaller(true).maxCallers(10)
                .build();
        CallContext a = CallContext.caller("A");
        Runnable call = () -> {
            bh.acquire(a);
            bh.onComplete(a, 1_000, "ok", null);
        };
        assertThat(Allocation.bytesPerCall(call)).isLessThan(0.1);
    }

    @Test
    void configErrorsNameTheField() {
        assertField(() -> Bulkhead.builder("x").maxConcurrentCalls(0).build(), "maxConcurrentCalls");
        assertField(() -> Bulkhead.builder("x").perCallerMaxConcurrentCalls(-1).build(), "perCallerMaxConcurrentCalls");
        assertField(() -> Bulkhead.builder("x").override("A", 0).build(), "overrides[A]");
        assertField(() -> Bulkhead.builder("x").maxCallers(0).build(), "maxCallers");
        assertField(() -> Bulkhead.builder(null).build(), "name");
        BulkheadConfig c = Bulkhead.builder("x").maxConcurrentCalls(7).perCaller(true).override("A", 2).config();
        assertThat(c.perCallerMaxConcurrentCalls()).isEqualTo(7);
        assertThat(Bulkhead.builder("y").from(c).config()).isEqualTo(c);
    }

    private static void assertField(Runnable r, String field) {
        InvalidConfigException e = catchThrowableOfType(InvalidConfigException.class, r::run);
        assertThat(e).as("expected a config error on " + field).isNotNull();
        assertThat(e.field()).isEqualTo(field);
        assertThat(e.policy()).isEqualTo("bulkhead");
    }
}
