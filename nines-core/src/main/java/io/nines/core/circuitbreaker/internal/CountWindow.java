package io.nines.core.circuitbreaker.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The last {@code size} calls, lock-free. A call takes the next sequence number, which names its slot
 * ({@code seq % size}); it swaps its outcome into the slot and adds the difference between the new and the
 * old outcome to one packed counter word (calls, failed, slow: 21 bits each). Because every swap adds exactly
 * its own difference, the counters always equal the sum of the slots once the in-flight calls are done:
 * nothing is ever lost or counted twice, whatever the interleaving.
 *
 * <p>In steady state the window is full of successes. A success then changes nothing: whichever slot it
 * would replace holds a success too, so it is not even given a sequence number. The success path is one
 * read of the counter word, which stays shared in every core's cache instead of bouncing between cores
 * (a write per call cost ~100 ns per call at 2 threads). Any other outcome takes the full path.
 *
 * <p>Two calls {@code size} apart may land in the same slot concurrently and finish in either order; the
 * window then holds the older of the two instead of the newer, which is the same as if they had completed
 * in the other order.
 */
final class CountWindow extends SlidingWindow {

    private static final VarHandle SEQ;
    private static final VarHandle PACKED;
    private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(int[].class);

    private static final int BITS = 21;
    private static final long CALL = 1L;
    private static final long FAIL = 1L << BITS;
    private static final long SLOW = 1L << (2 * BITS);

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            SEQ = lookup.findVarHandle(CountWindow.class, "seq", long.class);
            PACKED = lookup.findVarHandle(CountWindow.class, "packed", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final int size;
    /** The counter word of a window holding {@code size} successes and nothing else. */
    private final long allSuccesses;
    private final int[] slots;
    @SuppressWarnings("unused") // through SEQ
    private volatile long seq;
    @SuppressWarnings("unused") // through PACKED
    private volatile long packed;

    CountWindow(int size, Thresholds thresholds) {
        super(thresholds);
        this.size = size;
        this.allSuccesses = size * CALL;
        this.slots = new int[size];
    }

    @Override
    int record(int outcome, long nowNanos) {
        if (outcome == Outcome.SUCCESS && (long) PACKED.getVolatile(this) == allSuccesses) {
            return Thresholds.NONE;
        }
        long s = (long) SEQ.getAndAdd(this, 1L);
        int i = (int) (s % size);
        if ((int) SLOT.getVolatile(slots, i) == outcome) {
            // Same outcome as the one it replaces: the counts do not change, so neither do the rates.
            return Thresholds.NONE;
        }
        int old = (int) SLOT.getAndSet(slots, i, outcome);
        long delta = weight(outcome) - weight(old);
        if (delta == 0) {
            return Thresholds.NONE;
        }
        long p = (long) PACKED.getAndAdd(this, delta) + delta;
        long calls = field0(p);
        long rest = (p - calls) >> BITS;
        long failed = field0(rest);
        long slow = (rest - failed) >> BITS;
        return thresholds.exceeded(calls, failed, slow);
    }

    @Override
    Counts counts() {
        long p = (long) PACKED.getVolatile(this);
        long calls = field0(p);
        long rest = (p - calls) >> BITS;
        long failed = field0(rest);
        long slow = (rest - failed) >> BITS;
        return Counts.clamped(calls, failed, slow, thresholds.minimumCalls);
    }

    private static long weight(int outcome) {
        return (outcome & Outcome.CALL) * CALL
                + ((outcome & Outcome.FAILED) >> 1) * FAIL
                + ((outcome & Outcome.SLOW) >> 2) * SLOW;
    }

    /**
     * The lowest field, sign-extended: while deltas of concurrent swaps are applied out of order a counter can
     * be transiently negative, and reading it as signed keeps the fields above it exact.
     */
    private static long field0(long p) {
        return (p << (64 - BITS)) >> (64 - BITS);
    }
}
