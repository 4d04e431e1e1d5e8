package io.nines.core;

/**
 * A duplicate call gave up waiting: the execution holding its key neither finished nor lost its lease
 * within {@code IdempotencyConfig.maxWait()}. The action may still complete; a later call with the same
 * key gets its outcome. Refusal {@link Refusal#DUPLICATE_IN_PROGRESS} (HTTP 409).
 */
public final class IdempotencyInProgressException extends RefusedException {

    private final String key;
    private final String owner;
    private final long expiresAtMillis;

    public IdempotencyInProgressException(String policy, String key, String owner, long expiresAtMillis) {
        super(Refusal.DUPLICATE_IN_PROGRESS, policy, "idempotency " + policy + ": key '" + key
                + "' is still in progress (owner " + owner + ", lease until epoch ms " + expiresAtMillis + ")");
        this.key = key;
        this.owner = owner;
        this.expiresAtMillis = expiresAtMillis;
    }

    public String key() {
        return key;
    }

    /** The owner token of the execution in progress. */
    public String owner() {
        return owner;
    }

    /** When its lease ends (epoch milliseconds), after which the key may be taken over. */
    public long expiresAtMillis() {
        return expiresAtMillis;
    }
}
