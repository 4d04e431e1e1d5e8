package io.nines.core.retry;

/**
 * Marker for exceptions that report a business outcome rather than a fault: insufficient funds, order
 * already shipped, validation refused. Running the call again gives the same answer, so {@link Retry}
 * never retries them ({@link NonRetryableReason#BUSINESS_ERROR}), whatever its predicates say.
 * Classes that cannot implement this interface can be listed with {@link RetryBuilder#businessErrors}.
 */
public interface BusinessError {
}
