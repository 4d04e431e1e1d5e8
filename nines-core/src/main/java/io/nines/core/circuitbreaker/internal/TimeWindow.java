package io.nines.core.circuitbreaker.internal;

import io.nines.core.Clock;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The calls of the last {@code size} seconds (the current one included), in one-second buckets that are
 * preallocated and reused, lock-free.
 *
 * <p>Each bucket has three words (calls, failed, slow), each holding {@code second << 32 | count}: the
 * second the count belongs to travels with it, so a word left over from an older second is recognised and
 * restarted with one compare-and-set, without a lock and without losing a concurrent increment. Running
 * totals make reading the window O(1); they always equal the sum of all words' counts once the in-flight
 * calls are done. When the clock moves on, the thread that advances {@link #head} zeroes the words of the
 * seconds that left the window and takes their counts out of the totals, so an idle window forgets too.
 *
 * <p>Seconds are counted from the window's creation: 32 bits last 136 years; a count of 2^32 calls in one
 * second is out of reach.
 */
final class TimeWindow extends SlidingWindow {

    private static final long NANOS_PER_SECOND = 1_000_000_000L;
    private static final long COUNT = 0xFFFF_FFFFL;

    private static final VarHandle WORD = MethodHandles.arrayElementVarHandle(long[].class);
    private static final VarHandle HEAD;
    private static final VarHandle CALLS;
    private static final VarHandle FAILED;
    private static final VarHandle SLOW;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            HEAD = lookup.findVarHandle(TimeWindow.class, "head", long.class);
            CALLS = lookup.findVarHandle(TimeWindow.class, "totalCalls", long.class);
            FAILED = lookup.findVarHandle(TimeWindow.class, "totalFailed", long.class);
            SLOW = lookup.findVarHandle(TimeWindow.class, "totalSlow", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final int size;
    private final Clock clock;
    private final long originNanos;
    private final long[] calls;
    private final long[] failed;
    private final long[] slow;
    /** The latest second seen; the words of seconds <= head - size have been (or are being) zeroed. */
    private volatile long head;
    @SuppressWarnings("unused") // through CALLS
    private volatile long totalCalls;
    @SuppressWarnings("unused") // through FAILED
    private volatile long totalFailed;
    @SuppressWarnings("unused") // through SLOW
    private volatile long totalSlow;

    TimeWindow(int size, Clock clock, Thresholds thresholds) {
        super(thresholds);
        this.size = size;
        this.clock = clock;
        this.originNanos = clock.nanoTime();
        this.calls = new long[size];
        this.failed = new long[size];
        this.slow = new long[size];
    }

    @Override
    int record(int outcome) {
        long second = second();
        advance(second);
        if (second <= head - size) {
            // This thread read the clock, then paused so long that its second has already left the window.
            return Thresholds.NONE;
        }
        int bucket = (int) (second % size);
        add(calls, bucket, second, CALLS);
        if (Outcome.failed(outcome)) {
            add(failed, bucket, second, FAILED);
        }
        if (Outcome.slow(outcome)) {
            add(slow, bucket, second, SLOW);
        }
        // Failures and slow calls are added after their call, so reading them first keeps them <= calls.
        long f = (long) FAILED.getVolatile(this);
        long s = (long) SLOW.getVolatile(this);
        return thresholds.exceeded((long) CALLS.getVolatile(this), f, s);
    }

    @Override
    Counts counts() {
        advance(second());
        long f = (long) FAILED.getVolatile(this);
        long s = (long) SLOW.getVolatile(this);
        return Counts.clamped((long) CALLS.getVolatile(this), f, s, thresholds.minimumCalls);
    }

    private long second() {
        return Math.max(0, clock.nanoTime() - originNanos) / NANOS_PER_SECOND;
    }

    /** Adds one call of {@code second} to {@code words[bucket]} and to its total. */
    private void add(long[] words, int bucket, long second, VarHandle total) {
        long old = (long) WORD.getAndAdd(words, bucket, 1L);
        // Counted in the total at once: if the word is stale, whoever restarts it takes its whole count out.
        total.getAndAdd(this, 1L);
        if (old >>> 32 >= second) {
            // The word of this second, or of a later one if this thread was paused: the call counts there.
            return;
        }
        // The +1 went to a word left from an older second. Restart the word for this second with this call
        // (or, if another thread restarted it meanwhile, add the call to it).
        for (;;) {
            long w = (long) WORD.getVolatile(words, bucket);
            if (w >>> 32 >= second) {
                if (WORD.compareAndSet(words, bucket, w, w + 1)) {
                    total.getAndAdd(this, 1L);
                    return;
                }
            } else if (WORD.compareAndSet(words, bucket, w, (second << 32) | 1L)) {
                total.getAndAdd(this, 1L - (w & COUNT));
                return;
            }
        }
    }

    /** Moves {@link #head} to {@code second}; the thread that moves it zeroes the seconds that left the window. */
    private void advance(long second) {
        for (;;) {
            long h = head;
            if (second <= h) {
                return;
            }
            if (HEAD.compareAndSet(this, h, second)) {
                long cutoff = second - size; // words of seconds <= cutoff are out of the window
                // The seconds (h - size, cutoff] left the window with this move; at most size buckets.
                long from = Math.max(0, Math.max(h - size + 1, cutoff - size + 1));
                for (long x = from; x <= cutoff; x++) {
                    int bucket = (int) (x % size);
                    expire(calls, bucket, cutoff, CALLS);
                    expire(failed, bucket, cutoff, FAILED);
                    expire(slow, bucket, cutoff, SLOW);
                }
                return;
            }
        }
    }

    /** Zeroes the count of {@code words[bucket]} if its second is <= cutoff, taking it out of the total. */
    private void expire(long[] words, int bucket, long cutoff, VarHandle total) {
        for (;;) {
            long w = (long) WORD.getVolatile(words, bucket);
            long count = w & COUNT;
            if (count == 0 || w >>> 32 > cutoff) {
                return;
            }
            if (WORD.compareAndSet(words, bucket, w, w - count)) {
                total.getAndAdd(this, -count);
                return;
            }
        }
    }
}
