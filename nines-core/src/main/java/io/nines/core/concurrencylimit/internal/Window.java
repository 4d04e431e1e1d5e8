package io.nines.core.concurrencylimit.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The samples of one window, added concurrently without locks. One window object lives for a whole
 * window (allocated when the previous one closes, never per call); samples that race with its close
 * are lost, which an estimate can afford.
 */
final class Window {

    private static final VarHandle COUNT;
    private static final VarHandle SUM;
    private static final VarHandle MIN;
    private static final VarHandle DROPS;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            COUNT = l.findVarHandle(Window.class, "count", long.class);
            SUM = l.findVarHandle(Window.class, "sumRtt", long.class);
            MIN = l.findVarHandle(Window.class, "minRtt", long.class);
            DROPS = l.findVarHandle(Window.class, "drops", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final long start;
    final long length;
    volatile long count;
    volatile long sumRtt;
    volatile long minRtt = Long.MAX_VALUE;
    volatile long drops;
    /** Highest in-flight count seen; updated racily (a lost update only lowers a maximum slightly). */
    volatile int maxInflight;

    Window(long start, long length) {
        this.start = start;
        this.length = length;
    }

    void sample(long rtt, int inflight) {
        COUNT.getAndAdd(this, 1L);
        SUM.getAndAdd(this, rtt);
        long m;
        while (rtt < (m = minRtt) && !MIN.compareAndSet(this, m, rtt)) {
            // lost a race with a smaller or another sample: re-read
        }
        inflight(inflight);
    }

    void drop(int inflight) {
        DROPS.getAndAdd(this, 1L);
        inflight(inflight);
    }

    private void inflight(int inflight) {
        if (inflight > maxInflight) {
            maxInflight = inflight;
        }
    }
}
