package io.nines.core.idempotency.internal;

/** An error reply nested in an array reply (a top-level error is thrown as {@link RespServerException}). */
public record RespError(String message) {
}
