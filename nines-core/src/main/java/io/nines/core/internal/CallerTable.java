package io.nines.core.internal;

import io.nines.core.Clock;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;

/**
 * Per-caller state with bounded memory, shared by the rate limiter, the bulkhead and the concurrency
 * limit. Looking up a caller already tracked is a plain {@link ConcurrentHashMap#get}: no lock, no
 * allocation. A new caller is inserted; when the table holds {@code maxCallers} entries, the inserting
 * thread sweeps it first (one sweeper at a time, others go on): idle slots are removed, then, if still
 * too many, the slots whose loss costs least (see {@link Slot#retention}).
 *
 * <p>A slot is <em>retired</em> atomically before removal (a CAS on its own state), so a thread that
 * fetched it just before can tell and fetch a fresh one ({@link #replace}): no permit is ever taken from,
 * or given back to, a slot that left the table.
 *
 * @param <S> the slot type
 */
public final class CallerTable<S extends CallerTable.Slot> {

    /** The per-caller state kept in a {@link CallerTable}. */
    public interface Slot {

        /** Retires the slot if it holds nothing worth keeping at {@code nowNanos}; true when retired. */
        boolean retireIfIdle(long nowNanos);

        /**
         * What forcing this slot out would lose (lowest goes first), or {@link Long#MAX_VALUE} when it
         * must never be forced out (e.g. it has calls in flight that will release into it).
         */
        long retention(long nowNanos);

        /** Retires the slot although it is not idle; false when it cannot be forced or is already retired. */
        boolean forceRetire();
    }

    private final ConcurrentHashMap<String, S> map = new ConcurrentHashMap<>();
    private final Function<String, S> factory;
    private final int maxCallers;
    private final Clock clock;
    private final ReentrantLock sweepLock = new ReentrantLock();
    private final LongAdder evictions = new LongAdder();
    /** Size at which an insert sweeps first; raised when busy slots keep the table full, to amortize sweeps. */
    private volatile int sweepAt;

    public CallerTable(int maxCallers, Clock clock, Function<String, S> factory) {
        this.maxCallers = maxCallers;
        this.clock = clock;
        this.factory = factory;
        this.sweepAt = maxCallers;
    }

    /** The caller's slot, created when absent. May return a slot retired meanwhile: then call {@link #replace}. */
    public S get(String caller) {
        S slot = map.get(caller);
        return slot != null ? slot : insert(caller);
    }

    /** The caller's slot if tracked, without creating one. */
    public S peek(String caller) {
        return map.get(caller);
    }

    /** {@code retired} was found retired: drops it (if still mapped) and returns a live slot. */
    public S replace(String caller, S retired) {
        map.remove(caller, retired);
        return get(caller);
    }

    public int size() {
        return map.size();
    }

    public int maxCallers() {
        return maxCallers;
    }

    public long evictions() {
        return evictions.sum();
    }

    private S insert(String caller) {
        if (map.size() >= sweepAt) {
            sweep();
        }
        S fresh = factory.apply(caller);
        S prior = map.putIfAbsent(caller, fresh);
        return prior != null ? prior : fresh;
    }

    /** Makes room for at least one insert, ideally ~10% of maxCallers so sweeps stay rare. */
    void sweep() {
        if (!sweepLock.tryLock()) {
            return; // another thread is sweeping; the overshoot is at most one entry per racing inserter
        }
        try {
            long now = clock.nanoTime();
            int target = maxCallers - Math.max(1, maxCallers / 10);
            for (Map.Entry<String, S> e : map.entrySet()) {
                S slot = e.getValue();
                if (slot.retireIfIdle(now) && map.remove(e.getKey(), slot)) {
                    evictions.increment();
                }
            }
            int excess = map.size() - target;
            if (excess > 0) {
                forceOut(excess, now);
            }
            int size = map.size();
            sweepAt = size < maxCallers ? maxCallers : size + Math.max(1, maxCallers / 10);
        } finally {
            sweepLock.unlock();
        }
    }

    /** Forces out the {@code count} slots that retain least (an approximate LRU: cheap state goes first). */
    @SuppressWarnings("unchecked")
    private void forceOut(int count, long now) {
        int n = map.size() + 16; // the map may grow meanwhile; extra entries are just skipped
        long[] retention = new long[n];
        String[] keys = new String[n];
        Object[] slots = new Object[n];
        int k = 0;
        for (Map.Entry<String, S> e : map.entrySet()) {
            if (k == n) {
                break;
            }
            long r = e.getValue().retention(now);
            if (r != Long.MAX_VALUE) {
                retention[k] = r;
                keys[k] = e.getKey();
                slots[k] = e.getValue();
                k++;
            }
        }
        if (k == 0) {
            return;
        }
        Integer[] order = new Integer[k];
        for (int i = 0; i < k; i++) {
            order[i] = i;
        }
        long[] r = retention;
        Arrays.sort(order, (a, b) -> Long.compare(r[a], r[b]));
        for (int i = 0, removed = 0; i < k && removed < count; i++) {
            S slot = (S) slots[order[i]];
            if (slot.forceRetire() && map.remove(keys[order[i]], slot)) {
                evictions.increment();
                removed++;
            }
        }
    }
}
