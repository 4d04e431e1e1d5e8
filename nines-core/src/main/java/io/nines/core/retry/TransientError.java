package io.nines.core.retry;

/**
 * Marker for exceptions that are expected and temporary, so worth another attempt (a replica restarting,
 * a leader election in progress). The default {@link RetryClassifier#TRANSIENT} predicate retries them,
 * so a domain exception can declare itself retryable without configuring every {@link Retry}.
 * The built-in refusals (non-idempotent call, business, persistent, ...) still take precedence.
 */
public interface TransientError {
}
