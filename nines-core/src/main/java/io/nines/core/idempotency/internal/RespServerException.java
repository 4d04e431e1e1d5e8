package io.nines.core.idempotency.internal;

import java.io.IOException;

/** Redis answered a command with an error reply ({@code -ERR ...}); the connection itself is fine. */
public final class RespServerException extends IOException {

    private final String error;

    public RespServerException(String error) {
        super("Redis error: " + error);
        this.error = error;
    }

    /** The error line without its {@code -}, e.g. {@code NOSCRIPT No matching script}. */
    public String error() {
        return error;
    }
}
