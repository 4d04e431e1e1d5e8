package io.nines.core.idempotency;

/**
 * The idempotency store could not be reached or answered unexpectedly (SQL error, Redis connection
 * lost). When it happens on {@code begin}, the call fails without running: running it without a record
 * could run it twice.
 */
public class IdempotencyStoreException extends RuntimeException {

    public IdempotencyStoreException(String message, Throwable cause) {
        super(message, cause);
    }

    public IdempotencyStoreException(String message) {
        super(message);
    }
}
