package io.nines.core.retry;

import io.nines.core.CallContext;
import io.nines.core.Clock;
import io.nines.core.InvalidConfigException;
import io.nines.core.event.EventPublisher;
import io.nines.core.retry.internal.RetryImpl;

/**
 * Decides whether and when a failed attempt is tried again. The pipeline runs the attempts; a retry
 * policy only answers {@link #nextDelayNanos}. It retries only what is safe and useful to retry
 * (see {@link RetryConfig} and {@link RetryClassifier}), and draws every retry from a {@link RetryBudget}
 * shared per target, so retries cannot multiply the load on a failing target.
 *
 * <p>The decision after a failed attempt, in order: the error is classified (a refusal yields
 * {@link RetryEvent.NotRetryable} with its {@link NonRetryableReason}); the attempts are counted
 * ({@link RetryEvent.Exhausted}); a retry is taken from the budget ({@link RetryEvent.BudgetExhausted});
 * then the delay is drawn (full jitter) and {@link RetryEvent.Retrying} published.
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

    /** The settings this policy runs with. */
    RetryConfig config();

    /** The budget this policy draws its retries from (possibly shared with other policies). */
    RetryBudget budget();

    /** The decisions, for logging and metrics. */
    EventPublisher<RetryEvent> events();

    static RetryBuilder builder(String name) {
        return new RetryBuilder(name);
    }

    /** A policy with its own budget of {@link RetryBudgetConfig#DEFAULT} settings. */
    static Retry of(String name, RetryConfig config, Clock clock) {
        Clock c = InvalidConfigException.required(RetryConfig.POLICY, "clock", clock);
        return of(name, config, RetryBudget.of(RetryBudgetConfig.DEFAULT, c), c);
    }

    /** A policy drawing from {@code budget}, usually shared by every policy calling the same target. */
    static Retry of(String name, RetryConfig config, RetryBudget budget, Clock clock) {
        return new RetryImpl(
                InvalidConfigException.required(RetryConfig.POLICY, "name", name),
                InvalidConfigException.required(RetryConfig.POLICY, "config", config),
                InvalidConfigException.required(RetryConfig.POLICY, "budget", budget),
                InvalidConfigException.required(RetryConfig.POLICY, "clock", clock));
    }
}
