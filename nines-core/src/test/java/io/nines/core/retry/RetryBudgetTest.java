package io.nines.core.retry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nines.core.Clock;
import io.nines.core.InvalidConfigException;
import io.nines.core.ManualClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class RetryBudgetTest {

    final ManualClock clock = Clock.manual();

    RetryBudget budget(double percent, int minPerSecond, Duration ttl) {
        return RetryBudget.builder().percent(percent).minRetriesPerSecond(minPerSecond).ttl(ttl).clock(clock).build();
    }

    static int drain(RetryBudget b) {
        int n = 0;
        while (b.tryWithdraw()) {
            n++;
        }
        return n;
    }

    @Test
    void theFloorAllowsRetriesWithoutRequests() {
        RetryBudget b = budget(20, 10, Duration.ofSeconds(10));
        assertThat(b.balance()).isEqualTo(100);
        for (int i = 0; i < 100; i++) {
            assertThat(b.tryWithdraw()).as("retry %d", i + 1).isTrue();
            assertThat(b.balance()).isEqualTo(99 - i);
        }
        assertThat(b.tryWithdraw()).isFalse();
        assertThat(b.retriesInWindow()).isEqualTo(100);
    }

    @Test
    void eachRequestAddsItsPercentOfARetry() {
        RetryBudget b = budget(20, 0, Duration.ofSeconds(10));
        assertThat(b.tryWithdraw()).isFalse();
        for (int i = 0; i < 4; i++) {
            b.recordRequest();
        }
        assertThat(b.balance()).isZero();
        assertThat(b.tryWithdraw()).as("4 requests x 20% < 1").isFalse();
        b.recordRequest();
        assertThat(b.tryWithdraw()).as("5 requests x 20% = 1").isTrue();
        assertThat(b.tryWithdraw()).isFalse();
        for (int i = 0; i < 50; i++) {
            b.recordRequest();
        }
        assertThat(b.requestsInWindow()).isEqualTo(55);
        assertThat(drain(b)).isEqualTo(10);
        assertThat(b.retriesInWindow()).isEqualTo(11);
    }

    @Test
    void fractionalPercentAndPercentAboveHundred() {
        RetryBudget eighth = budget(12.5, 0, Duration.ofSeconds(10));
        for (int i = 0; i < 16; i++) {
            eighth.recordRequest();
        }
        assertThat(drain(eighth)).isEqualTo(2);
        RetryBudget twice = budget(200, 0, Duration.ofSeconds(10));
        twice.recordRequest();
        assertThat(drain(twice)).isEqualTo(2);
    }

    @Test
    void theBudgetRecoversOnceTheWindowHasPassed() {
        RetryBudget b = budget(20, 3, Duration.ofSeconds(10)); // floor 30
        for (int i = 0; i < 100; i++) {
            b.recordRequest();
        }
        assertThat(drain(b)).isEqualTo(50);
        assertThat(b.balance()).isZero();
        clock.advance(Duration.ofSeconds(9)); // still inside the window
        assertThat(b.tryWithdraw()).isFalse();
        clock.advance(Duration.ofSeconds(1));
        assertThat(b.requestsInWindow()).isZero();
        assertThat(b.retriesInWindow()).isZero();
        assertThat(b.balance()).isEqualTo(30);
        assertThat(drain(b)).isEqualTo(30);
        clock.advance(Duration.ofMinutes(30)); // a long idle period
        assertThat(b.balance()).isEqualTo(30);
        b.recordRequest();
        assertThat(b.requestsInWindow()).isEqualTo(1);
    }

    @Test
    void theWindowSlidesBucketByBucket() {
        // ttl 10 s in 16 buckets of 625 ms. Batch A at t=0, batch B at t=5 s.
        RetryBudget b = budget(20, 0, Duration.ofSeconds(10));
        for (int i = 0; i < 100; i++) {
            b.recordRequest();
        }
        assertThat(drain(b)).isEqualTo(20);
        clock.advance(Duration.ofSeconds(5));
        for (int i = 0; i < 100; i++) {
            b.recordRequest();
        }
        assertThat(drain(b)).isEqualTo(20);
        assertThat(b.requestsInWindow()).isEqualTo(200);
        assertThat(b.retriesInWindow()).isEqualTo(40);
        clock.advance(Duration.ofMillis(4_900)); // t = 9.9 s: A is in the window still
        assertThat(b.requestsInWindow()).isEqualTo(200);
        assertThat(b.tryWithdraw()).isFalse();
        clock.advance(Duration.ofMillis(100)); // t = 10 s: A has left, with its requests and its retries
        assertThat(b.requestsInWindow()).isEqualTo(100);
        assertThat(b.retriesInWindow()).isEqualTo(20);
        assertThat(b.tryWithdraw()).isFalse();
        for (int i = 0; i < 10; i++) {
            b.recordRequest();
        }
        assertThat(drain(b)).isEqualTo(2);
        clock.advance(Duration.ofSeconds(5)); // t = 15 s: B has left too
        assertThat(b.requestsInWindow()).isEqualTo(10);
        assertThat(b.retriesInWindow()).isEqualTo(2);
    }

    @Test
    void unlimitedNeverRefuses() {
        RetryBudget b = RetryBudget.unlimited();
        for (int i = 0; i < 10_000; i++) {
            assertThat(b.tryWithdraw()).isTrue();
        }
        assertThat(b.balance()).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void concurrentWithdrawalsTakeExactlyTheFloor() throws Exception {
        RetryBudget b = budget(0, 100, Duration.ofSeconds(10)); // floor 1000
        int threads = 8;
        long[] taken = runConcurrently(threads, i -> {
            long n = 0;
            for (int k = 0; k < 1_000; k++) {
                if (b.tryWithdraw()) {
                    n++;
                }
            }
            return n;
        });
        assertThat(sum(taken)).isEqualTo(1_000);
        assertThat(b.retriesInWindow()).isEqualTo(1_000);
        assertThat(b.balance()).isZero();
    }

    @Test
    void concurrentRequestsAndWithdrawalsNeverOvershoot() throws Exception {
        RetryBudget b = budget(20, 0, Duration.ofSeconds(10));
        AtomicBoolean recording = new AtomicBoolean(true);
        AtomicLong recordersLeft = new AtomicLong(4);
        long[] taken = runConcurrently(8, i -> {
            long n = 0;
            if (i < 4) {
                for (int k = 0; k < 10_000; k++) {
                    b.recordRequest();
                    if (k % 5 == 0 && b.tryWithdraw()) {
                        n++;
                    }
                }
                if (recordersLeft.decrementAndGet() == 0) {
                    recording.set(false);
                }
            } else {
                while (recording.get()) {
                    if (b.tryWithdraw()) {
                        n++;
                    }
                    Thread.onSpinWait();
                }
            }
            return n;
        });
        long during = sum(taken);
        assertThat(during).isLessThanOrEqualTo(8_000);
        // Nothing was lost or double-counted: exactly 20% of the 40 000 requests can be taken in all.
        assertThat(during + drain(b)).isEqualTo(8_000);
        assertThat(b.requestsInWindow()).isEqualTo(40_000);
    }

    @Test
    void concurrentWithdrawalsStayExactWhileTheWindowSlides() throws Exception {
        // Floor only: 100 per 1 s window of 16 buckets. Each phase moves the clock one bucket, then 8 threads
        // drain the budget at once. Retries come back only when their bucket leaves the window (every 16 phases),
        // and the first withdrawal of every phase moves the head to a new bucket, under contention.
        RetryBudget b = budget(0, 100, Duration.ofSeconds(1));
        Duration bucket = Duration.ofNanos(Duration.ofSeconds(1).toNanos() / 16);
        long total = 0;
        for (int phase = 0; phase <= 48; phase++) {
            if (phase > 0) {
                clock.advance(bucket);
            }
            long taken = sum(runConcurrently(8, i -> drain(b)));
            total += taken;
            assertThat(taken).as("phase %d", phase).isEqualTo(phase % 16 == 0 ? 100 : 0);
            assertThat(b.retriesInWindow()).as("phase %d", phase).isEqualTo(100);
            assertThat(b.balance()).isZero();
        }
        assertThat(total).isEqualTo(400);
    }

    @Test
    void badConfigNamesTheField() {
        assertInvalid(b -> b.percent(-1), "percent");
        assertInvalid(b -> b.percent(1001), "percent");
        assertInvalid(b -> b.percent(Double.NaN), "percent");
        assertInvalid(b -> b.minRetriesPerSecond(-1), "minRetriesPerSecond");
        assertInvalid(b -> b.ttl(Duration.ZERO), "ttl");
        assertInvalid(b -> b.ttl(null), "ttl");
        assertInvalid(b -> b.ttl(Duration.ofMillis(999)), "ttl");
        assertInvalid(b -> b.ttl(Duration.ofSeconds(61)), "ttl");
        assertThat(RetryBudget.builder().config()).isEqualTo(RetryBudgetConfig.DEFAULT);
        assertThat(RetryBudgetConfig.DEFAULT.floor()).isEqualTo(30);
    }

    private static void assertInvalid(Consumer<RetryBudgetBuilder> change, String field) {
        RetryBudgetBuilder b = RetryBudget.builder();
        change.accept(b);
        assertThatThrownBy(b::build).isInstanceOfSatisfying(InvalidConfigException.class, e -> {
            assertThat(e.policy()).isEqualTo("retryBudget");
            assertThat(e.field()).isEqualTo(field);
        });
    }

    interface Worker {
        long run(int index) throws Exception;
    }

    /** Runs {@code threads} workers released together by a barrier; returns what each returned. */
    static long[] runConcurrently(int threads, Worker worker) throws Exception {
        CyclicBarrier start = new CyclicBarrier(threads);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<Long>> results = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                int index = i;
                results.add(pool.submit(() -> {
                    start.await(10, TimeUnit.SECONDS);
                    return worker.run(index);
                }));
            }
            long[] out = new long[threads];
            for (int i = 0; i < threads; i++) {
                out[i] = results.get(i).get(30, TimeUnit.SECONDS);
            }
            return out;
        } finally {
            pool.shutdownNow();
        }
    }

    static long sum(long[] values) {
        long s = 0;
        for (long v : values) {
            s += v;
        }
        return s;
    }
}
