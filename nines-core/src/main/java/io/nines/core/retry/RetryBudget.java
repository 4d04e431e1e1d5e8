package io.nines.core.retry;

import io.nines.core.Clock;
import io.nines.core.InvalidConfigException;
import io.nines.core.retry.internal.UnlimitedRetryBudget;
import io.nines.core.retry.internal.WindowedRetryBudget;

/**
 * Caps retries at a fraction of requests, so that retries cannot multiply the load on a failing target:
 * without it, three layers each trying 3 times turn one request into 27 at the bottom (seed 000's proxy
 * retries that multiplied traffic 16 times). Share one budget per target between every {@link Retry} calling
 * it. Within the sliding window of {@link RetryBudgetConfig#ttl()}:
 * {@code retries <= percent/100 * requests + minRetriesPerSecond * ttl}.
 *
 * <p>Thread-safe and lock-free. {@link #recordRequest()} is one clock read and one atomic add;
 * {@link #tryWithdraw()} is exact: concurrent callers never take more retries than the limit allows.
 */
public interface RetryBudget {

    /** Counts one logical request (not a retry): each raises the budget by {@code percent/100}. */
    void recordRequest();

    /** Takes one retry from the budget if the limit allows it; false means do not retry. */
    boolean tryWithdraw();

    /** Retries that may be taken now (never negative). */
    long balance();

    /** Requests counted in the current window. */
    long requestsInWindow();

    /** Retries taken in the current window. */
    long retriesInWindow();

    static RetryBudgetBuilder builder() {
        return new RetryBudgetBuilder();
    }

    static RetryBudget of(RetryBudgetConfig config, Clock clock) {
        return new WindowedRetryBudget(
                InvalidConfigException.required(RetryBudgetConfig.POLICY, "config", config),
                InvalidConfigException.required(RetryBudgetConfig.POLICY, "clock", clock));
    }

    /** A budget that never refuses: retries are bounded by attempts alone. Use only where load cannot amplify. */
    static RetryBudget unlimited() {
        return UnlimitedRetryBudget.INSTANCE;
    }
}
