package io.nines.core.retry;

/**
 * Marker for exceptions that will persist on a retry: bad input, a missing resource, a schema or
 * permission problem. {@link Retry} never retries them ({@link NonRetryableReason#PERSISTENT_ERROR}).
 * Classes that cannot implement this interface can be listed with {@link RetryBuilder#persistentErrors}.
 */
public interface PersistentError {
}
