package io.nines.core.circuitbreaker.internal;

/** The rule that opens the breaker: enough calls, and a failure or slow-call rate at or above its threshold. */
final class Thresholds {

    /** Flags returned by {@link #exceeded}. */
    static final int NONE = 0;
    static final int FAILURE_RATE = 1;
    static final int SLOW_CALL_RATE = 2;

    final int minimumCalls;
    private final float failureRateThreshold;
    private final float slowCallRateThreshold;

    Thresholds(int minimumCalls, float failureRateThreshold, float slowCallRateThreshold) {
        this.minimumCalls = minimumCalls;
        this.failureRateThreshold = failureRateThreshold;
        this.slowCallRateThreshold = slowCallRateThreshold;
    }

    /** Percent, computed as the metrics show it, so that the decision and the reported rate agree. */
    static float rate(long part, long calls) {
        return part * 100f / calls;
    }

    int exceeded(long calls, long failed, long slow) {
        if (calls <= 0 || calls < minimumCalls) {
            return NONE;
        }
        int flags = NONE;
        if (failed > 0 && rate(Math.min(failed, calls), calls) >= failureRateThreshold) {
            flags |= FAILURE_RATE;
        }
        if (slow > 0 && rate(Math.min(slow, calls), calls) >= slowCallRateThreshold) {
            flags |= SLOW_CALL_RATE;
        }
        return flags;
    }
}
