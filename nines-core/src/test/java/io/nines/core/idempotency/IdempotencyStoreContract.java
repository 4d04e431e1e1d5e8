package io.nines.core.idempotency;

import io.nines.core.IdempotencyInProgressException;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.nines.core.Clock;
import io.nines.core.idempotency.IdempotencyStore.Acquired;
import io.nines.core.idempotency.IdempotencyStore.BeginResult;
import io.nines.core.idempotency.IdempotencyStore.Completed;
import io.nines.core.idempotency.IdempotencyStore.InProgress;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link IdempotencyStore} must do, checked through the store and through the policy on top
 * of it. Subclasses provide one store per test class (real servers are started once).
 */
abstract class IdempotencyStoreContract {

    /** The store under test, shared by the tests of the class. */
    abstract IdempotencyStore store();

    /** The clock of store and policy. */
    abstract Clock clock();

    /** Lets {@code d} pass for the store: advances a manual clock; real servers need nothing (real time passes). */
    abstract void elapse(Duration d);

    /** A lease short enough to wait out in a test. */
    abstract Duration lease();

    /** Whether {@link Acquired#previousOwner()} names the holder whose lease was taken over. */
    abstract boolean reportsPreviousOwner();

    static final class DeclinedException extends Exception {
        DeclinedException(String message) {
            super(message);
        }
    }

    ExecutorService threads;
    final List<IdempotencyEvent> events = new CopyOnWriteArrayList<>();
    final AtomicInteger runs = new AtomicInteger();

    @BeforeEach
    void startThreads() {
        threads = Executors.newCachedThreadPool();
    }

    @AfterEach
    void stopThreads() {
        threads.shutdownNow();
    }

    String newKey() {
        return "key-" + UUID.randomUUID();
    }

    IdempotencyBuilder policy(IdempotencyStore store) {
        return Idempotency.builder("test")
                .store(store)
                .clock(clock())
                .inProgressTtl(lease())
                .retention(Duration.ofMinutes(10))
                .pollInterval(Duration.ofMillis(5))
                .maxPollInterval(Duration.ofMillis(50))
                .maxWait(Duration.ofSeconds(20));
    }

    Idempotency listened(Idempotency idem) {
        idem.events().subscribe(events::add);
        return idem;
    }

    long count(Class<? extends IdempotencyEvent> type) {
        return events.stream().filter(type::isInstance).count();
    }

    @Test
    void fiftyConcurrentDuplicatesRunTheActionOnceAndAllGetItsOutcome() throws Exception {
        CountingStore counting = new CountingStore(store());
        Idempotency idem = listened(policy(counting).build());
        String key = newKey();
        int callers = 50;
        CyclicBarrier start = new CyclicBarrier(callers);
        CountDownLatch finish = new CountDownLatch(1);
        List<Future<String>> results = new ArrayList<>();
        for (int i = 0; i < callers; i++) {
            results.add(threads.submit(() -> {
                start.await(10, TimeUnit.SECONDS);
                return idem.execute(key, () -> {
                    runs.incrementAndGet();
                    // Hold the key until every duplicate has been told it is in progress.
                    assertThat(finish.await(20, TimeUnit.SECONDS)).isTrue();
                    return "outcome-" + UUID.randomUUID();
                });
            }));
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> counting.toldInProgress.size() == callers - 1);
        finish.countDown();

        HashSet<String> outcomes = new HashSet<>();
        for (Future<String> r : results) {
            outcomes.add(r.get(20, TimeUnit.SECONDS));
        }
        assertThat(runs).hasValue(1);
        assertThat(outcomes).hasSize(1);
        assertThat(outcomes.iterator().next()).startsWith("outcome-");
        assertThat(count(IdempotencyEvent.Executed.class)).isEqualTo(1);
        assertThat(count(IdempotencyEvent.Replayed.class)).isEqualTo(callers - 1);
        assertThat(count(IdempotencyEvent.Waited.class)).isEqualTo(callers - 1);
    }

    @Test
    void aCrashedHolderIsTakenOverOnceItsLeaseEnds() throws Exception {
        String key = newKey();
        assertThat(store().begin(key, "crashed-holder", lease())).isInstanceOf(Acquired.class);

        // While the lease runs, a duplicate that will not wait is refused, and the action does not run.
        Idempotency impatient = policy(store()).maxWait(Duration.ZERO).build();
        assertThatThrownBy(() -> impatient.execute(key, () -> runs.incrementAndGet()))
                .isInstanceOfSatisfying(IdempotencyInProgressException.class, e -> {
                    assertThat(e.key()).isEqualTo(key);
                    assertThat(e.owner()).isEqualTo("crashed-holder");
                    assertThat(e.policy()).isEqualTo("test");
                });
        assertThat(runs).hasValue(0);

        elapse(lease().plusMillis(10));
        Idempotency idem = listened(policy(store()).build());
        // Real stores: this call waits for the lease to end, then takes over.
        assertThat(idem.execute(key, () -> "ran-" + runs.incrementAndGet())).isEqualTo("ran-1");

        if (reportsPreviousOwner()) {
            assertThat(events).filteredOn(IdempotencyEvent.TakenOver.class::isInstance)
                    .singleElement()
                    .extracting(e -> ((IdempotencyEvent.TakenOver) e).previousOwner())
                    .isEqualTo("crashed-holder");
        }
        // The crashed holder, back from the dead, can no longer record or release anything.
        assertThat(store().complete(key, "crashed-holder", RecordedOutcome.value("late"), Duration.ofMinutes(1)))
                .isFalse();
        assertThat(store().release(key, "crashed-holder")).isFalse();
        assertThat(idem.execute(key, () -> "ran-" + runs.incrementAndGet())).isEqualTo("ran-1");
        assertThat(runs).hasValue(1);
    }

    @Test
    void ofConcurrentTakersOfAnExpiredLeaseExactlyOneWins() throws Exception {
        String key = newKey();
        long leaseEnd = clock().currentTimeMillis() + lease().toMillis();
        assertThat(store().begin(key, "crashed-holder", lease())).isInstanceOf(Acquired.class);
        elapse(lease().plusMillis(100));
        await().atMost(Duration.ofSeconds(10)).until(() -> clock().currentTimeMillis() > leaseEnd + 50);

        int takers = 20;
        CyclicBarrier start = new CyclicBarrier(takers);
        List<Future<BeginResult>> results = new ArrayList<>();
        for (int i = 0; i < takers; i++) {
            String owner = "taker-" + i;
            results.add(threads.submit(() -> {
                start.await(10, TimeUnit.SECONDS);
                return store().begin(key, owner, Duration.ofMinutes(1));
            }));
        }
        List<BeginResult> all = new ArrayList<>();
        for (Future<BeginResult> r : results) {
            all.add(r.get(20, TimeUnit.SECONDS));
        }
        assertThat(all).filteredOn(Acquired.class::isInstance).hasSize(1);
        assertThat(all).filteredOn(InProgress.class::isInstance).hasSize(takers - 1);
        String winner = all.stream().filter(InProgress.class::isInstance).map(r -> ((InProgress) r).owner())
                .distinct().reduce((a, b) -> a + "," + b).orElseThrow();
        assertThat(winner).startsWith("taker-").doesNotContain(",");
    }

    @Test
    void aFailureReleasesTheKeySoARetryRunsAgain() throws Exception {
        Idempotency idem = listened(policy(store()).build());
        String key = newKey();
        IOException boom = new IOException("boom");
        assertThatThrownBy(() -> idem.execute(key, () -> {
            runs.incrementAndGet();
            throw boom;
        })).isSameAs(boom);
        assertThat(count(IdempotencyEvent.Released.class)).isEqualTo(1);

        assertThat(idem.execute(key, () -> "ok-" + runs.incrementAndGet())).isEqualTo("ok-2");
        assertThat(idem.execute(key, () -> "ok-" + runs.incrementAndGet())).isEqualTo("ok-2");
        assertThat(runs).hasValue(2);
    }

    @Test
    void businessErrorsAreRecordedAndReplayedToDuplicates() throws Exception {
        Idempotency idem = listened(policy(store()).recordFailures(DeclinedException.class).build());
        String key = newKey();
        for (int i = 0; i < 3; i++) {
            assertThatThrownBy(() -> idem.execute(key, () -> {
                runs.incrementAndGet();
                throw new DeclinedException("card declined");
            })).isInstanceOf(DeclinedException.class).hasMessage("card declined");
        }
        assertThat(runs).hasValue(1);
        assertThat(events).filteredOn(IdempotencyEvent.Replayed.class::isInstance).hasSize(2)
                .allMatch(e -> ((IdempotencyEvent.Replayed) e).failed());
    }

    @Test
    void aNullResultIsRecordedLikeAnyOther() throws Exception {
        Idempotency idem = policy(store()).build();
        String key = newKey();
        assertThat(idem.<String>execute(key, () -> {
            runs.incrementAndGet();
            return null;
        })).isNull();
        assertThat(idem.execute(key, () -> "again-" + runs.incrementAndGet())).isNull();
        assertThat(runs).hasValue(1);
    }

    @Test
    void onlyTheOwnerCompletesOrReleasesTheKey() {
        String key = newKey();
        assertThat(store().begin(key, "owner-a", Duration.ofMinutes(1))).isInstanceOf(Acquired.class);

        assertThat(store().complete(key, "owner-b", RecordedOutcome.value("b's"), Duration.ofMinutes(1))).isFalse();
        assertThat(store().release(key, "owner-b")).isFalse();
        assertThat(store().begin(key, "owner-c", Duration.ofMinutes(1)))
                .isInstanceOfSatisfying(InProgress.class, p -> assertThat(p.owner()).isEqualTo("owner-a"));

        assertThat(store().complete(key, "owner-a", RecordedOutcome.value("a's"), Duration.ofMinutes(1))).isTrue();
        assertThat(store().complete(key, "owner-a", RecordedOutcome.value("a's"), Duration.ofMinutes(1)))
                .as("completing twice is harmless").isTrue();
        assertThat(store().release(key, "owner-a")).as("a completed key is not released").isFalse();
        assertThat(store().begin(key, "owner-c", Duration.ofMinutes(1)))
                .isInstanceOfSatisfying(Completed.class,
                        c -> assertThat(c.outcome()).isEqualTo(RecordedOutcome.value("a's")));
    }

    @Test
    void theOwnerReleasesItsKeyForTheNextCaller() {
        String key = newKey();
        assertThat(store().begin(key, "owner-a", Duration.ofMinutes(1))).isInstanceOf(Acquired.class);
        assertThat(store().release(key, "owner-a")).isTrue();
        assertThat(store().begin(key, "owner-b", Duration.ofMinutes(1)))
                .isInstanceOfSatisfying(Acquired.class, a -> assertThat(a.tookOver()).isFalse());
    }

    @Test
    void outcomesAreForgottenAfterTheirRetention() throws Exception {
        Duration retention = lease();
        Idempotency idem = policy(store()).retention(retention).build();
        String key = newKey();
        assertThat(idem.execute(key, () -> "v" + runs.incrementAndGet())).isEqualTo("v1");
        assertThat(idem.execute(key, () -> "v" + runs.incrementAndGet())).isEqualTo("v1");

        elapse(retention.plusMillis(10));
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50))
                .until(() -> idem.execute(key, () -> "v" + runs.incrementAndGet()).equals("v2"));
        assertThat(runs).hasValue(2);
    }

    @Test
    void aDuplicateGivesUpAfterMaxWaitWhenTheHolderNeitherFinishesNorExpires() throws Exception {
        String key = newKey();
        assertThat(store().begin(key, "slow-holder", Duration.ofMinutes(5))).isInstanceOf(Acquired.class);
        CountingStore counting = new CountingStore(store());
        Idempotency idem = listened(policy(counting).maxWait(Duration.ofMillis(300)).build());

        Future<Object> call = threads.submit(() -> idem.execute(key, () -> runs.incrementAndGet()));
        await().atMost(Duration.ofSeconds(10)).until(() -> !counting.toldInProgress.isEmpty());
        elapse(Duration.ofMillis(301));

        assertThatThrownBy(() -> call.get(10, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .cause().isInstanceOfSatisfying(IdempotencyInProgressException.class,
                        e -> assertThat(e.owner()).isEqualTo("slow-holder"));
        assertThat(runs).hasValue(0);
        assertThat(count(IdempotencyEvent.WaitTimedOut.class)).isEqualTo(1);
    }

    @Test
    void asyncDuplicatesRunTheActionOnce() throws Exception {
        CountingStore counting = new CountingStore(store());
        Idempotency idem = policy(counting).build();
        String key = newKey();
        CompletableFuture<String> gate = new CompletableFuture<>();
        int callers = 20;
        List<CompletionStage<String>> results = new ArrayList<>();
        for (int i = 0; i < callers; i++) {
            results.add(idem.executeAsync(key, () -> {
                runs.incrementAndGet();
                return gate;
            }));
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> counting.toldInProgress.size() == callers - 1);
        gate.complete("async-outcome");
        for (CompletionStage<String> r : results) {
            assertThat(r.toCompletableFuture().get(20, TimeUnit.SECONDS)).isEqualTo("async-outcome");
        }
        assertThat(runs).hasValue(1);
    }

    @Test
    void anAsyncFailureReleasesTheKey() throws Exception {
        Idempotency idem = policy(store()).build();
        String key = newKey();
        IllegalStateException boom = new IllegalStateException("boom");
        CompletableFuture<String> first = idem.<String>executeAsync(key, () -> {
            runs.incrementAndGet();
            return CompletableFuture.failedFuture(boom);
        }).toCompletableFuture();
        assertThatThrownBy(() -> first.get(10, TimeUnit.SECONDS)).cause().isSameAs(boom);

        CompletableFuture<String> second = idem.executeAsync(key,
                () -> CompletableFuture.completedFuture("ok-" + runs.incrementAndGet())).toCompletableFuture();
        assertThat(second.get(10, TimeUnit.SECONDS)).isEqualTo("ok-2");
    }
}
