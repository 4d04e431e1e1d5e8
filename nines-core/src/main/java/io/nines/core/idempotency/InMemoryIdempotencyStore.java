package io.nines.core.idempotency;

import io.nines.core.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An {@link IdempotencyStore} in this process's memory: deduplicates within one instance only (use
 * {@link JdbcIdempotencyStore} or {@link RedisIdempotencyStore} across instances). Outcomes are kept as
 * objects, without encoding. Expiry follows the {@link Clock}'s wall time. Waiters are woken as soon as a
 * key is completed or released.
 *
 * <p>Bounded: when more than {@code maxEntries} keys are held, expired records are purged, then the
 * completed records closest to expiry are evicted (down to 90%). In-progress records are never evicted,
 * so a running action is never run twice because of memory pressure.
 */
public final class InMemoryIdempotencyStore implements IdempotencyStore {

    public static final int DEFAULT_MAX_ENTRIES = 100_000;

    private static final Logger LOG = LoggerFactory.getLogger(InMemoryIdempotencyStore.class);

    private final Clock clock;
    private final int maxEntries;
    private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, CompletableFuture<Void>> changes = new ConcurrentHashMap<>();
    private final ReentrantLock evicting = new ReentrantLock();

    /** One record: in progress ({@code outcome == null}) or completed. */
    private record Entry(String owner, long expiresAtMillis, RecordedOutcome outcome) {
        boolean completed() {
            return outcome != null;
        }
    }

    public InMemoryIdempotencyStore() {
        this(Clock.system(), DEFAULT_MAX_ENTRIES);
    }

    public InMemoryIdempotencyStore(Clock clock) {
        this(clock, DEFAULT_MAX_ENTRIES);
    }

    public InMemoryIdempotencyStore(Clock clock, int maxEntries) {
        if (clock == null) {
            throw new IllegalArgumentException("clock must be set");
        }
        if (maxEntries <= 0) {
            throw new IllegalArgumentException("maxEntries must be > 0, was " + maxEntries);
        }
        this.clock = clock;
        this.maxEntries = maxEntries;
    }

    @Override
    public BeginResult begin(String key, String owner, Duration lease) {
        checkOwner(owner);
        long now = clock.currentTimeMillis();
        BeginResult[] result = new BeginResult[1];
        entries.compute(key, (k, e) -> {
            if (e == null || e.expiresAtMillis() <= now) {
                result[0] = e != null && !e.completed() ? new Acquired(e.owner()) : Acquired.free();
                return new Entry(owner, now + lease.toMillis(), null);
            }
            result[0] = e.completed() ? new Completed(e.outcome()) : new InProgress(e.owner(), e.expiresAtMillis());
            return e;
        });
        if (!(result[0] instanceof InProgress)) {
            // Nobody needs to wait on this key any more: drop a wake-up a waiter may have registered before
            // finding the key completed, so futures cannot pile up for keys that are never completed again.
            signal(key);
        }
        if (result[0] instanceof Acquired && entries.size() > maxEntries) {
            evict();
        }
        return result[0];
    }

    @Override
    public boolean complete(String key, String owner, RecordedOutcome outcome, Duration retention) {
        checkOwner(owner);
        if (outcome == null) {
            throw new IllegalArgumentException("outcome must be set");
        }
        long now = clock.currentTimeMillis();
        boolean[] done = new boolean[1];
        entries.compute(key, (k, e) -> {
            if (e == null || !e.completed() && e.owner().equals(owner)) {
                done[0] = true;
                return new Entry(owner, now + retention.toMillis(), outcome);
            }
            done[0] = e.completed() && e.owner().equals(owner); // completing twice is harmless
            return e;
        });
        signal(key);
        return done[0];
    }

    @Override
    public boolean release(String key, String owner) {
        checkOwner(owner);
        boolean[] done = new boolean[1];
        entries.computeIfPresent(key, (k, e) -> {
            if (!e.completed() && e.owner().equals(owner)) {
                done[0] = true;
                return null;
            }
            return e;
        });
        if (done[0]) {
            signal(key);
        }
        return done[0];
    }

    @Override
    public CompletableFuture<Void> onChange(String key) {
        return changes.computeIfAbsent(key, k -> new CompletableFuture<>());
    }

    /** Records held now, expired ones included until purged. */
    public int size() {
        return entries.size();
    }

    /** Removes every expired record; returns how many. */
    public int purgeExpired() {
        long now = clock.currentTimeMillis();
        int removed = 0;
        for (Map.Entry<String, Entry> e : entries.entrySet()) {
            if (e.getValue().expiresAtMillis() <= now && entries.remove(e.getKey(), e.getValue())) {
                signal(e.getKey());
                removed++;
            }
        }
        return removed;
    }

    private void evict() {
        if (!evicting.tryLock()) {
            return; // another thread is already making room
        }
        try {
            if (entries.size() <= maxEntries) {
                return;
            }
            purgeExpired();
            int target = Math.max(1, maxEntries - maxEntries / 10);
            if (entries.size() <= target) {
                return;
            }
            List<Map.Entry<String, Entry>> completed = new ArrayList<>();
            for (Map.Entry<String, Entry> e : entries.entrySet()) {
                if (e.getValue().completed()) {
                    completed.add(Map.entry(e.getKey(), e.getValue()));
                }
            }
            completed.sort(Comparator.comparingLong(e -> e.getValue().expiresAtMillis()));
            int evicted = 0;
            for (Map.Entry<String, Entry> e : completed) {
                if (entries.size() <= target) {
                    break;
                }
                if (entries.remove(e.getKey(), e.getValue())) {
                    evicted++;
                }
            }
            if (evicted > 0) {
                LOG.warn("in-memory idempotency store full ({} records): evicted {} outcomes before their retention ended",
                        maxEntries, evicted);
            }
        } finally {
            evicting.unlock();
        }
    }

    private void signal(String key) {
        CompletableFuture<Void> f = changes.remove(key);
        if (f != null) {
            f.complete(null);
        }
    }

    static void checkOwner(String owner) {
        if (owner == null || owner.isEmpty() || owner.indexOf('|') >= 0) {
            throw new IllegalArgumentException("an owner token must be non-empty and contain no '|': " + owner);
        }
    }
}
