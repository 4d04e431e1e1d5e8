package io.nines.core.circuitbreaker.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The trial calls of one half-open period: hands out exactly {@code probes} permits, and counts their outcomes
 * in one packed word (calls, failed, slow: 21 bits each, only ever added to) so that the thread recording the
 * last outcome sees all of them at once and decides alone.
 */
final class ProbeWindow {

    /** {@link #record} answer while outcomes are still missing. */
    static final int PENDING = -1;

    private static final VarHandle PERMITS;
    private static final VarHandle PACKED;
    private static final int BITS = 21;
    private static final long MASK = (1L << BITS) - 1;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            PERMITS = lookup.findVarHandle(ProbeWindow.class, "permits", int.class);
            PACKED = lookup.findVarHandle(ProbeWindow.class, "packed", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final int probes;
    private final Thresholds thresholds;
    @SuppressWarnings("unused") // through PERMITS
    private volatile int permits;
    @SuppressWarnings("unused") // through PACKED
    private volatile long packed;

    ProbeWindow(int probes, float failureRateThreshold, float slowCallRateThreshold) {
        this.probes = probes;
        this.thresholds = new Thresholds(probes, failureRateThreshold, slowCallRateThreshold);
        this.permits = probes;
    }

    /** Takes a permit if one is left. */
    boolean tryAcquire() {
        for (;;) {
            int p = (int) PERMITS.getVolatile(this);
            if (p <= 0) {
                return false;
            }
            if (PERMITS.compareAndSet(this, p, p - 1)) {
                return true;
            }
        }
    }

    /** Gives a permit back (the trial call did not run, or its outcome was ignored). */
    void release() {
        for (;;) {
            int p = (int) PERMITS.getVolatile(this);
            if (p >= probes) {
                return; // a call admitted before this half-open period: it held none of its permits
            }
            if (PERMITS.compareAndSet(this, p, p + 1)) {
                return;
            }
        }
    }

    int permitsLeft() {
        return (int) PERMITS.getVolatile(this);
    }

    /**
     * Records a trial call. Answers {@link #PENDING} until the last trial outcome is in; the call that brings
     * the count to {@code probes} gets the {@link Thresholds} flags ({@link Thresholds#NONE} means close).
     * Outcomes after that one are counted but decide nothing.
     */
    int record(int outcome) {
        long delta = 1L
                + (Outcome.failed(outcome) ? 1L << BITS : 0L)
                + (Outcome.slow(outcome) ? 1L << (2 * BITS) : 0L);
        long p = (long) PACKED.getAndAdd(this, delta) + delta;
        long calls = p & MASK;
        if (calls != probes) {
            return PENDING;
        }
        return thresholds.exceeded(calls, (p >>> BITS) & MASK, (p >>> (2 * BITS)) & MASK);
    }

    Counts counts() {
        long p = (long) PACKED.getVolatile(this);
        return Counts.clamped(p & MASK, (p >>> BITS) & MASK, (p >>> (2 * BITS)) & MASK, probes);
    }
}
