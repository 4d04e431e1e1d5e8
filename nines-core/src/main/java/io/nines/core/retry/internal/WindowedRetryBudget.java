package io.nines.core.retry.internal;

import io.nines.core.Clock;
import io.nines.core.retry.RetryBudget;
import io.nines.core.retry.RetryBudgetConfig;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The sliding-window retry budget: {@code retries <= ppm/1e6 * requests + floor} over the last
 * {@link #BUCKETS} buckets of {@code ttl / BUCKETS} each (so the window spans between 15/16 of ttl and ttl).
 *
 * <p>Every counter is one {@code long} packing the bucket's epoch stamp (high 32 bits: the bucket number,
 * {@code nanoTime / bucketNanos}, truncated) and its count (low 32 bits), so a bucket is recycled with one CAS
 * and a stale one is recognised by its stamp, without locks.
 *
 * <p><b>Requests</b> are counted in per-bucket stripes (spread by thread id, one cache line apart) so that
 * threads counting the same target do not contend on one line; they are summed only when a retry is asked for.
 *
 * <p><b>Retries</b> are exact. All withdrawals go through one CAS on {@link #head}, which holds the retries of the
 * newest bucket; when time moves to a new bucket, the withdrawing thread first archives the head's count in
 * {@link #archive} (a monotonic max, so a late writer cannot lower it) and then CASes the head to the new bucket.
 * Hence the archive is complete for every bucket older than the head, it only changes for the head's own bucket
 * (which readers take from the head instead), and a successful head CAS proves that the retry count the decision
 * was based on is still current: concurrent callers can never overshoot the limit. Requests read late only make
 * the limit lower, never higher.
 */
public final class WindowedRetryBudget implements RetryBudget {

    /** Buckets per window: a power of two, so a 32-bit stamp maps to the same slot as the full bucket number. */
    static final int BUCKETS = 16;
    private static final int MASK = BUCKETS - 1;
    /** Longs between two stripes: 8 x 8 bytes = one cache line, against false sharing. */
    private static final int PAD = 8;
    private static final long COUNT_MASK = 0xFFFF_FFFFL;
    private static final long MICROS = 1_000_000L;

    private final RetryBudgetConfig config;
    private final Clock clock;
    private final long bucketNanos;
    /** Retries allowed per request, in millionths. */
    private final long ppm;
    /** The floor, in millionths of a retry. */
    private final long floorMicros;
    private final int stripeMask;
    private final AtomicLongArray requests;
    private final AtomicLong head;
    private final AtomicLongArray archive;
    /** The last bucket computed, so the common case avoids a 64-bit division. Replaced once per bucket. */
    private volatile Epoch cached;

    private record Epoch(long number, long startNanos) {
    }

    public WindowedRetryBudget(RetryBudgetConfig config, Clock clock) {
        this.config = config;
        this.clock = clock;
        this.bucketNanos = config.ttl().toNanos() / BUCKETS;
        this.ppm = Math.round(config.percent() * 10_000);
        this.floorMicros = config.floor() * MICROS;
        int stripes = Math.min(16, Integer.highestOneBit(Math.max(1, Runtime.getRuntime().availableProcessors())) * 2);
        this.stripeMask = stripes - 1;
        long now = epoch(clock.nanoTime());
        // Start every slot as expired (a whole window old) so that no initial stamp can look current.
        long expired = pack(now - BUCKETS, 0);
        this.requests = new AtomicLongArray(BUCKETS * stripes * PAD);
        for (int i = 0; i < BUCKETS * stripes; i++) {
            requests.set(i * PAD, expired);
        }
        this.archive = new AtomicLongArray(BUCKETS);
        for (int i = 0; i < BUCKETS; i++) {
            archive.set(i, expired);
        }
        this.head = new AtomicLong(pack(now, 0));
    }

    public RetryBudgetConfig config() {
        return config;
    }

    @Override
    public void recordRequest() {
        long e = epoch(clock.nanoTime());
        int s = (int) e;
        int stripe = (int) Thread.currentThread().threadId() & stripeMask;
        int idx = ((s & MASK) * (stripeMask + 1) + stripe) * PAD;
        for (;;) {
            long v = requests.get(idx);
            int vs = stamp(v);
            if (vs == s) {
                requests.getAndIncrement(idx);
                return;
            }
            if (vs - s > 0) {
                return; // the slot already serves a newer bucket: this count is older than the window
            }
            if (requests.compareAndSet(idx, v, pack(s, 1))) {
                return;
            }
        }
    }

    @Override
    public boolean tryWithdraw() {
        for (;;) {
            long h = head.get();
            int hs = stamp(h);
            int s = (int) epoch(clock.nanoTime());
            long used;
            long next;
            if (s - hs > 0) {
                // Time moved to a new bucket: make the head's count durable before the head leaves it.
                archiveMax(hs, count(h));
                used = archived(s, s);
                next = pack(s, 1);
            } else {
                s = hs; // a reader whose clock lags the head uses the head's bucket; the head never goes back
                used = count(h) + archived(s, hs);
                next = h + 1;
            }
            if (!allows(used + 1, requestsAt(s))) {
                return false;
            }
            if (head.compareAndSet(h, next)) {
                return true;
            }
        }
    }

    @Override
    public long balance() {
        long h = head.get();
        int s = current(h);
        long limitMicros = floorMicros + ppm * requestsAt(s);
        long left = limitMicros / MICROS - retriesAt(h, s);
        return Math.max(0, left);
    }

    @Override
    public long requestsInWindow() {
        return requestsAt(current(head.get()));
    }

    @Override
    public long retriesInWindow() {
        long h = head.get();
        return retriesAt(h, current(h));
    }

    /** The newest bucket: now, or the head's if another thread's clock ran ahead. */
    private int current(long h) {
        int s = (int) epoch(clock.nanoTime());
        return s - stamp(h) > 0 ? s : stamp(h);
    }

    private long retriesAt(long h, int s) {
        int hs = stamp(h);
        int age = s - hs;
        return (age >= 0 && age < BUCKETS ? count(h) : 0) + archived(s, hs);
    }

    private boolean allows(long retries, long requests) {
        return retries * MICROS <= floorMicros + ppm * requests;
    }

    /** Sum of the archived retries of buckets in the window ending at {@code s}, except bucket {@code exclude}. */
    private long archived(int s, int exclude) {
        long sum = 0;
        for (int i = 0; i < BUCKETS; i++) {
            long v = archive.get(i);
            int vs = stamp(v);
            int age = s - vs;
            if (vs != exclude && age >= 0 && age < BUCKETS) {
                sum += count(v);
            }
        }
        return sum;
    }

    /** Records that bucket {@code s} ended with {@code count} retries, never lowering a recorded value. */
    private void archiveMax(int s, long count) {
        int i = s & MASK;
        for (;;) {
            long v = archive.get(i);
            int vs = stamp(v);
            if (vs - s > 0 || (vs == s && count(v) >= count)) {
                return;
            }
            if (archive.compareAndSet(i, v, pack(s, count))) {
                return;
            }
        }
    }

    private long requestsAt(int s) {
        long sum = 0;
        for (int i = 0; i < requests.length(); i += PAD) {
            long v = requests.get(i);
            int age = s - stamp(v);
            if (age >= 0 && age < BUCKETS) {
                sum += count(v);
            }
        }
        return sum;
    }

    private long epoch(long nanos) {
        Epoch c = cached;
        if (c != null) {
            long d = nanos - c.startNanos;
            if (d >= 0 && d < bucketNanos) {
                return c.number;
            }
        }
        long n = Math.floorDiv(nanos, bucketNanos);
        cached = new Epoch(n, n * bucketNanos);
        return n;
    }

    private static long pack(long epoch, long count) {
        return (epoch << 32) | (count & COUNT_MASK);
    }

    private static int stamp(long v) {
        return (int) (v >>> 32);
    }

    private static long count(long v) {
        return v & COUNT_MASK;
    }

    @Override
    public String toString() {
        return "RetryBudget[" + config.percent() + "% + " + config.minRetriesPerSecond() + "/s over " + config.ttl()
                + ", balance=" + balance() + "]";
    }
}
