package io.nines.core;

import java.lang.management.ManagementFactory;

/** Measures what a call allocates on this thread (HotSpot's per-thread allocation counter). */
public final class Allocation {

    private Allocation() {
    }

    /** Bytes allocated per run of {@code call}, averaged over 100 000 runs after a warm-up. */
    public static double bytesPerCall(Runnable call) {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long id = Thread.currentThread().threadId();
        for (int i = 0; i < 20_000; i++) {
            call.run();
        }
        long before = mx.getThreadAllocatedBytes(id);
        int n = 100_000;
        for (int i = 0; i < n; i++) {
            call.run();
        }
        long after = mx.getThreadAllocatedBytes(id);
        return (double) (after - before) / n;
    }
}
