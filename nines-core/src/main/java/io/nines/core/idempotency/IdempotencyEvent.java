package io.nines.core.idempotency;

import io.nines.core.IdempotencyInProgressException;
import java.time.Duration;

/** What an {@link Idempotency} did with one call, for logs and metrics. */
public sealed interface IdempotencyEvent {

    /** Name of the policy. */
    String name();

    String key();

    long timeMillis();

    /** The action ran here and its outcome was recorded ({@code failed}: a recorded business error). */
    record Executed(String name, String key, long timeMillis, boolean failed) implements IdempotencyEvent {
    }

    /** A recorded outcome was returned instead of running the action. */
    record Replayed(String name, String key, long timeMillis, boolean failed) implements IdempotencyEvent {
    }

    /** A duplicate waited for an execution in progress, then replayed its outcome or ran the action itself. */
    record Waited(String name, String key, long timeMillis, Duration waited) implements IdempotencyEvent {
    }

    /** The in-progress record of a holder whose lease expired (crashed, hung) was taken over. */
    record TakenOver(String name, String key, long timeMillis, String previousOwner) implements IdempotencyEvent {
    }

    /** The action failed with an error that is not recorded; the key was released so a retry may run again. */
    record Released(String name, String key, long timeMillis, Throwable error) implements IdempotencyEvent {
    }

    /** A duplicate gave up after {@code maxWait}: {@link IdempotencyInProgressException}. */
    record WaitTimedOut(String name, String key, long timeMillis, String owner) implements IdempotencyEvent {
    }

    /**
     * The outcome could not be recorded: the store failed ({@code error} set), or the lease had been taken
     * over by another owner. The caller still gets the outcome; a later duplicate may run the action again.
     */
    record RecordFailed(String name, String key, long timeMillis, String reason, Throwable error)
            implements IdempotencyEvent {
    }
}
