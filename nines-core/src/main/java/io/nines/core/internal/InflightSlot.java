package io.nines.core.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A caller's count of calls in flight, for per-caller bulkheads and concurrency limits. Only an empty
 * slot (0 in flight) can leave its {@link CallerTable}: it is retired by a CAS 0 → -1, so a busy slot is
 * never dropped and every release lands in the slot its acquire used.
 */
public final class InflightSlot implements CallerTable.Slot {

    public static final int ACQUIRED = 0;
    public static final int FULL = 1;
    public static final int RETIRED = 2;

    private static final VarHandle COUNT;

    static {
        try {
            COUNT = MethodHandles.lookup().findVarHandle(InflightSlot.class, "count", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** This caller's own cap (bulkhead), or unused when the cap is given per call (concurrency limit). */
    public final int max;
    private volatile int count;

    public InflightSlot(int max) {
        this.max = max;
    }

    /** Takes a place if fewer than {@code max} are in flight. */
    public int tryAcquire(int max) {
        for (;;) {
            int c = count;
            if (c < 0) {
                return RETIRED;
            }
            if (c >= max) {
                return FULL;
            }
            if (COUNT.compareAndSet(this, c, c + 1)) {
                return ACQUIRED;
            }
        }
    }

    /** Gives a place back; never goes below zero, so a stray release cannot inflate the cap. */
    public void release() {
        for (;;) {
            int c = count;
            if (c <= 0) {
                return;
            }
            if (COUNT.compareAndSet(this, c, c - 1)) {
                return;
            }
        }
    }

    public int inflight() {
        return Math.max(0, count);
    }

    @Override
    public boolean retireIfIdle(long nowNanos) {
        return COUNT.compareAndSet(this, 0, -1);
    }

    @Override
    public long retention(long nowNanos) {
        return Long.MAX_VALUE; // a busy slot must stay: its calls will release into it
    }

    @Override
    public boolean forceRetire() {
        return false;
    }
}
