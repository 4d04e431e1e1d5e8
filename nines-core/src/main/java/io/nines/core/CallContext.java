package io.nines.core;

/**
 * What the policies know about one call, beyond the action itself.
 *
 * @param caller         who is calling, for per-caller quotas and bulkheads; {@code null} when unknown
 *                       (the default quota applies)
 * @param idempotencyKey key under which the outcome is recorded so that duplicates and retries return
 *                       it instead of running again; {@code null} for none
 * @param idempotent     whether running the action twice is harmless (reads, puts). A non-idempotent
 *                       call is retried only when it carries an idempotency key.
 */
public record CallContext(String caller, String idempotencyKey, boolean idempotent) {

    /** No caller, no key, idempotent: the context of {@code pipeline.call(action)}. */
    public static final CallContext DEFAULT = new CallContext(null, null, true);

    /** An idempotent call made by {@code caller}. */
    public static CallContext caller(String caller) {
        return new CallContext(caller, null, true);
    }

    /** A call that must not run twice unless protected by an idempotency key (see {@link #withIdempotencyKey}). */
    public static CallContext nonIdempotent() {
        return new CallContext(null, null, false);
    }

    public CallContext withCaller(String caller) {
        return new CallContext(caller, idempotencyKey, idempotent);
    }

    public CallContext withIdempotencyKey(String key) {
        return new CallContext(caller, key, idempotent);
    }

    public CallContext asNonIdempotent() {
        return new CallContext(caller, idempotencyKey, false);
    }

    /** A retry cannot cause a second effect: the call is idempotent, or its key deduplicates it. */
    public boolean safeToRetry() {
        return idempotent || idempotencyKey != null;
    }
}
