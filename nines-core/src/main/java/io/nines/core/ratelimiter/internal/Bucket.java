package io.nines.core.ratelimiter.internal;

import io.nines.core.internal.CallerTable;
import io.nines.core.ratelimiter.Quota;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One token bucket as a GCRA cell: the whole state is {@code tat}, the theoretical arrival time of the
 * next permit if the bucket were drained at exactly its rate. Taking {@code n} permits at {@code now}
 * moves it to {@code max(tat, now) + n·interval}, allowed while that stays within {@code burst·interval}
 * of now. So refill is implicit (time passing), one CAS admits, a refusal writes nothing, and the bucket
 * is full (idle) exactly when {@code tat <= now}.
 */
public final class Bucket implements CallerTable.Slot {

    public static final int TAKEN = 0;
    public static final int REFUSED = 1;
    /** The bucket was evicted from its table: fetch a fresh one. */
    public static final int RETIRED = 2;

    private static final long RETIRED_TAT = Long.MIN_VALUE;
    private static final VarHandle TAT;

    static {
        try {
            TAT = MethodHandles.lookup().findVarHandle(Bucket.class, "tat", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final Quota quota;
    private final long interval;
    private final long tolerance;
    private volatile long tat;

    public Bucket(Quota quota, long nowNanos) {
        this.quota = quota;
        this.interval = quota.intervalNanos();
        this.tolerance = quota.burst() * interval;
        this.tat = nowNanos; // full
    }

    public Quota quota() {
        return quota;
    }

    /** Takes {@code n} permits (1 ≤ n ≤ burst) or none. */
    public int tryTake(int n, long now) {
        long cost = n * interval;
        for (;;) {
            long t = (long) TAT.getVolatile(this);
            if (t == RETIRED_TAT) {
                return RETIRED;
            }
            long next = (t - now > 0 ? t : now) + cost; // difference compare: safe across nanoTime wrap
            if (next - now > tolerance) {
                return REFUSED;
            }
            if (TAT.compareAndSet(this, t, next)) {
                return TAKEN;
            }
        }
    }

    /** Gives back {@code n} permits taken earlier (the call never ran); never fills beyond full. */
    public void refund(int n, long now) {
        long cost = n * interval;
        for (;;) {
            long t = (long) TAT.getVolatile(this);
            if (t == RETIRED_TAT || t - now <= 0) {
                return; // gone, or full already
            }
            long back = t - cost;
            if (back - now < 0) {
                back = now;
            }
            if (TAT.compareAndSet(this, t, back)) {
                return;
            }
        }
    }

    /** Permits that could be taken now. */
    public long available(long now) {
        long t = tat;
        if (t == RETIRED_TAT) {
            return quota.burst();
        }
        long debt = t - now;
        if (debt <= 0) {
            return quota.burst();
        }
        return (tolerance - debt) / interval;
    }

    public boolean isRetired() {
        return tat == RETIRED_TAT;
    }

    @Override
    public boolean retireIfIdle(long now) {
        long t = tat;
        return t != RETIRED_TAT && t - now <= 0 && TAT.compareAndSet(this, t, RETIRED_TAT);
    }

    /** The debt: how long until full again. A one-off caller owes little, a caller over quota owes its burst. */
    @Override
    public long retention(long now) {
        long t = tat;
        return t == RETIRED_TAT ? Long.MAX_VALUE : Math.max(0, t - now);
    }

    @Override
    public boolean forceRetire() {
        for (;;) {
            long t = tat;
            if (t == RETIRED_TAT) {
                return false;
            }
            if (TAT.compareAndSet(this, t, RETIRED_TAT)) {
                return true;
            }
        }
    }
}
