package io.nines.core.idempotency;

/**
 * A duplicate call gave up waiting: the execution holding its key neither finished nor lost its lease
 * within {@link IdempotencyConfig#maxWait()}. The action may still complete; a later call with the same
 * key gets its outcome. The HTTP equivalent is 409 Conflict. No stack trace: it is an expected answer.
 */
public final class IdempotencyInProgressException extends RuntimeException {

    private final String policy;
    private final String key;
    private final String owner;
    private final long expiresAtMillis;

    public IdempotencyInProgressException(String policy, String key, String owner, long expiresAtMillis) {
        super("idempotency " + policy + ": key '" + key + "' is still in progress (owner " + owner
                + ", lease until epoch ms " + expiresAtMillis + ")", null, false, false);
        this.policy = policy;
        this.key = key;
        this.owner = owner;
        this.expiresAtMillis = expiresAtMillis;
    }

    /** Name of the {@link Idempotency} policy. */
    public String policy() {
        return policy;
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
