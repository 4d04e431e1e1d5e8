package io.nines.core.retry;

/**
 * Why {@link Retry} refused to retry a failed attempt, as reported by {@link RetryClassifier#classify}
 * and {@link RetryEvent.NotRetryable}. Listed in the order the checks run: the first that applies wins.
 * Running out of attempts or of budget are not classifications; they have their own events
 * ({@link RetryEvent.Exhausted}, {@link RetryEvent.BudgetExhausted}).
 */
public enum NonRetryableReason {

    /** A {@link Error} (out of memory, stack overflow, linkage): the process is in trouble; more work makes it worse. */
    FATAL_ERROR,

    /** The call was cancelled or its thread interrupted ({@code InterruptedException}, {@code CancellationException}). */
    CANCELLED,

    /**
     * The call is not idempotent and carries no idempotency key ({@code CallContext.safeToRetry()} is false):
     * a second run could cause a second effect (seed 000: never retry non-idempotent requests). Errors that
     * prove the request never left (connect refused, unknown host, no healthy endpoint) are exempt unless
     * {@link RetryBuilder#retryUnsentNonIdempotent(boolean)} is turned off.
     */
    NOT_IDEMPOTENT,

    /** A business outcome ({@link BusinessError} or a configured business class): the answer will not change. */
    BUSINESS_ERROR,

    /**
     * A policy refused the call because the target is overloaded or fenced (circuit open, rate limited, shed,
     * bulkhead full, island fenced, stale epoch, degraded; or a saturated executor). Retrying the same target
     * only adds load (seed 000: never retry errors caused by too much traffic). Timeouts and "no healthy
     * endpoint" are not in this group: they are retryable.
     */
    REFUSED,

    /** An error that will persist ({@link PersistentError}, a configured class, or a well-known permanent JDK one). */
    PERSISTENT_ERROR,

    /** The error matches a class given to {@link RetryBuilder#abortOn}. */
    ABORTED,

    /** The {@code retryOnException} predicate declined the error (by default: not a known transient failure). */
    NOT_RETRYABLE,

    /**
     * The same failure (same exception class) has occurred {@link RetryBuilder#giveUpAfterSameError n} times in a
     * row at this policy: it looks long-lasting, so retrying is wasted load (seed 000: never retry long-lasting errors).
     */
    SAME_ERROR_REPEATED
}
