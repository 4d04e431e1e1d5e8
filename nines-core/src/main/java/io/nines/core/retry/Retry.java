package io.nines.core.retry;

import io.nines.core.CallContext;

/**
 * Decides whether and when a failed attempt is tried again. The pipeline runs the attempts; a retry
 * policy only answers {@link #nextDelayNanos}. It retries only what is safe and useful to retry
 * (see {@link RetryConfig}), and draws every retry from a {@link RetryBudget} shared per target, so
 * retries cannot multiply the load on a failing target.
 */
public interface Retry {

    String name();

    /**
     * Called once per logical request, before its first attempt: the budget counts requests so that
     * retries stay a bounded fraction of them.
     */
    void onRequest();

    /**
     * An attempt ended with {@code result} or {@code error}. Returns the delay in nanoseconds before
     * the next attempt, or {@code -1} when there must be no further attempt: the outcome is a success,
     * the call or error is not retryable, attempts are exhausted, or the budget is empty. Must be cheap
     * and allocation-free when the outcome is a success.
     *
     * @param attempt the number of the attempt that just ended, 1 for the first
     */
    long nextDelayNanos(CallContext context, int attempt, Object result, Throwable error);

    /** Timeout for each attempt in nanoseconds, or 0 when attempts are not individually bounded. */
    long perTryTimeoutNanos();
}
