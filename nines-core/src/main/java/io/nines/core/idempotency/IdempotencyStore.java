package io.nines.core.idempotency;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * Where an {@link Idempotency} records, per key, that an action is in progress (a lease held by an
 * owner) and then its outcome. Implementations: {@link InMemoryIdempotencyStore} (one process),
 * {@link JdbcIdempotencyStore} (a MariaDB/MySQL table), {@link RedisIdempotencyStore}.
 *
 * <p>Every method is atomic per key, and the store is shared by many processes: of any number of
 * concurrent {@link #begin} calls on a free key exactly one gets {@link Acquired}. A record is in one
 * of three states: absent, in progress (owner, lease expiry) or completed (outcome, retention expiry).
 * An in-progress record whose lease expired (its holder crashed or hung) is taken over by the next
 * {@code begin}; a completed record whose retention expired is gone.
 *
 * <p>Owner tokens are opaque, non-empty and contain no {@code '|'}; {@link Idempotency} makes a new
 * one for every execution. Failures to reach the store are reported as {@link IdempotencyStoreException};
 * outcomes that cannot be encoded or decoded as {@link OutcomeCodecException}.
 */
public interface IdempotencyStore extends AutoCloseable {

    /**
     * Claims {@code key} for {@code owner} for {@code lease} if it is free (absent, expired, or in
     * progress with an expired lease), else reports what holds it.
     */
    BeginResult begin(String key, String owner, Duration lease);

    /**
     * Records {@code outcome} under {@code key}, kept for {@code retention}, if {@code owner} still holds
     * the key: its in-progress record is there (even with an expired lease, as long as nobody took it
     * over) or the key is free. Returns {@code false}, recording nothing, when another owner took the
     * key over. Completing twice with the same owner is harmless.
     */
    boolean complete(String key, String owner, RecordedOutcome outcome, Duration retention);

    /**
     * Deletes {@code owner}'s in-progress record of {@code key} so that a later call may run the action
     * again (after a failure worth retrying). Returns {@code false} when {@code owner} does not hold it.
     */
    boolean release(String key, String owner);

    /**
     * An optional wake-up for waiters: a future completed when the record of {@code key} is completed or
     * released. Stores that cannot notify return {@code null} and waiters poll {@link #begin} instead.
     * Waiters must call this <em>before</em> the {@code begin} they wait after, so no change is missed.
     */
    default CompletableFuture<Void> onChange(String key) {
        return null;
    }

    /** Frees connections or sockets held by the store; the default holds none. */
    @Override
    default void close() {
    }

    /** What {@link #begin} found. */
    sealed interface BeginResult permits Acquired, InProgress, Completed {
    }

    /**
     * The caller holds the key now and runs the action.
     *
     * @param previousOwner the owner whose expired lease was taken over, or {@code null} when the key was
     *                      free (or the store cannot tell, as Redis, whose expired leases simply vanish)
     */
    record Acquired(String previousOwner) implements BeginResult {
        private static final Acquired FREE = new Acquired(null);

        /** The key was free. */
        public static Acquired free() {
            return FREE;
        }

        public boolean tookOver() {
            return previousOwner != null;
        }
    }

    /**
     * Another owner runs the action; its lease ends at {@code expiresAtMillis} (wall clock), after which
     * the key may be taken over.
     */
    record InProgress(String owner, long expiresAtMillis) implements BeginResult {
    }

    /** The action already ran; {@code outcome} is what it produced. */
    record Completed(RecordedOutcome outcome) implements BeginResult {
    }
}
