package io.nines.core.idempotency;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.nines.core.Clock;
import io.nines.core.ManualClock;
import io.nines.core.idempotency.IdempotencyStore.Acquired;
import io.nines.core.idempotency.IdempotencyStore.InProgress;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class InMemoryIdempotencyStoreTest extends IdempotencyStoreContract {

    private final ManualClock clock = new ManualClock();
    private final InMemoryIdempotencyStore store = new InMemoryIdempotencyStore(clock);

    @Override
    IdempotencyStore store() {
        return store;
    }

    @Override
    Clock clock() {
        return clock;
    }

    @Override
    void elapse(Duration d) {
        clock.advance(d);
    }

    @Override
    Duration lease() {
        return Duration.ofSeconds(30);
    }

    @Override
    boolean reportsPreviousOwner() {
        return true;
    }

    @Test
    void aWaiterIsWokenByTheCompletionWithoutPolling() throws Exception {
        // Both poll every 30 s at most; the store's wake-up makes the duplicate return at once anyway.
        Idempotency holderPolicy = policy(store).pollInterval(Duration.ofSeconds(30))
                .maxPollInterval(Duration.ofSeconds(30)).build();
        CountingStore counting = new CountingStore(store);
        Idempotency waiterPolicy = policy(counting).pollInterval(Duration.ofSeconds(30))
                .maxPollInterval(Duration.ofSeconds(30)).build();
        String key = newKey();
        CountDownLatch running = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Future<String> holder = threads.submit(() -> holderPolicy.execute(key, () -> {
            running.countDown();
            assertThat(release.await(10, TimeUnit.SECONDS)).isTrue();
            return "done";
        }));
        assertThat(running.await(10, TimeUnit.SECONDS)).isTrue();
        Future<String> waiter = threads.submit(() -> waiterPolicy.execute(key, () -> "not me"));
        await().atMost(Duration.ofSeconds(10)).until(() -> !counting.toldInProgress.isEmpty());

        long start = System.nanoTime();
        release.countDown();
        assertThat(holder.get(10, TimeUnit.SECONDS)).isEqualTo("done");
        assertThat(waiter.get(10, TimeUnit.SECONDS)).isEqualTo("done");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    }

    @Test
    void staysBoundedByEvictingExpiredThenOldestOutcomes() {
        InMemoryIdempotencyStore small = new InMemoryIdempotencyStore(clock, 100);
        for (int i = 0; i < 100; i++) {
            small.begin("old-" + i, "o", Duration.ofSeconds(1));
            small.complete("old-" + i, "o", RecordedOutcome.value(i), Duration.ofSeconds(10 + i));
        }
        assertThat(small.size()).isEqualTo(100);
        clock.advance(Duration.ofSeconds(20)); // old-0 .. old-10 have expired
        for (int i = 0; i < 50; i++) {
            small.begin("new-" + i, "o", Duration.ofMinutes(1));
            small.complete("new-" + i, "o", RecordedOutcome.value(i), Duration.ofHours(1));
        }
        assertThat(small.size()).isLessThanOrEqualTo(100);
        // The newest outcomes survive; the ones closest to expiry went first.
        assertThat(small.begin("new-49", "x", Duration.ofMinutes(1))).isInstanceOf(IdempotencyStore.Completed.class);
        assertThat(small.begin("old-99", "x", Duration.ofMinutes(1))).isInstanceOf(IdempotencyStore.Completed.class);
        assertThat(small.begin("old-10", "x", Duration.ofMinutes(1))).isInstanceOf(Acquired.class);
    }

    @Test
    void neverEvictsAnExecutionInProgress() {
        InMemoryIdempotencyStore small = new InMemoryIdempotencyStore(clock, 10);
        for (int i = 0; i < 30; i++) {
            assertThat(small.begin("running-" + i, "o" + i, Duration.ofMinutes(1))).isInstanceOf(Acquired.class);
        }
        assertThat(small.size()).isEqualTo(30);
        for (int i = 0; i < 30; i++) {
            assertThat(small.begin("running-" + i, "other", Duration.ofMinutes(1))).isInstanceOf(InProgress.class);
        }
    }

    @Test
    void purgeRemovesOnlyExpiredRecords() {
        InMemoryIdempotencyStore s = new InMemoryIdempotencyStore(clock, 1000);
        s.begin("short", "o", Duration.ofSeconds(1));
        s.begin("long", "o", Duration.ofSeconds(100));
        clock.advance(Duration.ofSeconds(2));
        assertThat(s.purgeExpired()).isEqualTo(1);
        assertThat(s.size()).isEqualTo(1);
    }

    @Test
    void refusesBadOwnerTokens() {
        assertThatThrownBy(() -> store.begin("k", "a|b", lease()))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.begin("k", "", lease()))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
