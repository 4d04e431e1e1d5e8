package io.nines.core.retry;

import java.time.Duration;

/**
 * What a {@link Retry} decided after an attempt. Published only when someone listens
 * ({@link Retry#events()}). {@code error} is {@code null} when the attempt returned a result that
 * {@code retryOnResult} flagged.
 */
public sealed interface RetryEvent {

    /** The policy's name. */
    String name();

    /** When the decision was taken, from the policy's clock. */
    long timeMillis();

    /** Attempt {@code attempt} failed; the next runs after {@code delay}. */
    record Retrying(String name, long timeMillis, int attempt, Duration delay, Throwable error) implements RetryEvent {
    }

    /** All {@code attempts} were used and the last one failed. */
    record Exhausted(String name, long timeMillis, int attempts, Throwable error) implements RetryEvent {
    }

    /** Attempt {@code attempt} failed with something that must not be retried, for {@code reason}. */
    record NotRetryable(String name, long timeMillis, int attempt, NonRetryableReason reason, Throwable error)
            implements RetryEvent {
    }

    /** Attempt {@code attempt} failed and was retryable, but the retry budget was empty. */
    record BudgetExhausted(String name, long timeMillis, int attempt, Throwable error) implements RetryEvent {
    }

    /** The call succeeded on attempt {@code attempts} (> 1): retrying paid off. */
    record SucceededAfterRetry(String name, long timeMillis, int attempts) implements RetryEvent {
    }
}
