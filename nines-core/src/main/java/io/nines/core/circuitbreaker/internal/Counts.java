package io.nines.core.circuitbreaker.internal;

/**
 * The counts of a window at one moment, and the minimum number of calls before its rates mean anything.
 * Counters read without a lock can be off by the calls being recorded at that instant; they are clamped so
 * that a snapshot is always coherent (0 <= failed, slow <= calls).
 */
record Counts(long calls, long failed, long slow, int minimumCalls) {

    static final Counts EMPTY = new Counts(0, 0, 0, 1);

    static Counts clamped(long calls, long failed, long slow, int minimumCalls) {
        long c = Math.max(0, calls);
        return new Counts(c, Math.min(c, Math.max(0, failed)), Math.min(c, Math.max(0, slow)), minimumCalls);
    }

    /** Whether enough calls were recorded for the rates to count. */
    boolean decisive() {
        return calls > 0 && calls >= minimumCalls;
    }

    float failureRate() {
        return decisive() ? Thresholds.rate(failed, calls) : -1f;
    }

    float slowCallRate() {
        return decisive() ? Thresholds.rate(slow, calls) : -1f;
    }
}
