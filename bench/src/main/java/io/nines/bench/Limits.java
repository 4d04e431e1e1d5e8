package io.nines.bench;

import java.time.Duration;

/**
 * One set of limits for every library, chosen so that nothing is ever refused or retried during a
 * run: the benchmark measures the success path only.
 */
final class Limits {

    /** Permits per second: far above what 2 threads can ask for (tens of millions per second at most). */
    static final int RATE_PER_SECOND = 1_000_000_000;
    /** Concurrent calls admitted by the bulkhead: far above the thread count. */
    static final int BULKHEAD_MAX_CONCURRENT = 1_000;
    /** Circuit breaker: opens at 50% failures over the last 100 calls; the work never fails. */
    static final int CB_WINDOW = 100;
    static final float CB_FAILURE_RATE_PERCENT = 50;
    /** Retry: up to 3 attempts (never needed, the work never fails). */
    static final int RETRY_MAX_ATTEMPTS = 3;
    static final Duration RETRY_WAIT = Duration.ofMillis(10);

    private Limits() {
    }

    /** Fails the setup when a pipeline does not answer the work's result. */
    static void check(Object result) {
        if (result != Work.RESULT) {
            throw new IllegalStateException("the pipeline did not return the work's result: " + result);
        }
    }
}
