package io.nines.topology;

import io.nines.core.event.EventPublisher.Subscription;
import java.time.Instant;
import java.util.function.Consumer;

/**
 * Whether this process still holds its lease on the store's quorum: the signal the island guard consumes
 * (DESIGN §6). A client does not trust {@link State#SUSPENDED} alone (jitter gives false positives): it starts
 * its cross-zone double check at once and declares an island only if that fails too.
 *
 * <p>Listeners run on the store's event thread, in order; they must not block.
 */
public interface QuorumSignal {

    /** The lease as this process sees it. */
    enum State {
        /** Connected to a quorum; the session (lease) is alive. */
        CONNECTED,
        /**
         * Connection lost, session perhaps still alive elsewhere: "lease possibly lost". ZooKeeper
         * {@code Disconnected} / Curator {@code SUSPENDED} (also read-only mode, and before the first connect).
         * Start the double check now: the majority may expire this session within a few seconds.
         */
        SUSPENDED,
        /** The session is gone (expired, or suspended longer than the session timeout): the lease is lost. */
        LOST
    }

    /**
     * A state change.
     *
     * @param previous   state before
     * @param state      state now
     * @param nanoTime   monotonic time of the change ({@link io.nines.core.Clock#nanoTime()})
     * @param timeMillis wall-clock time of the change
     */
    record Change(State previous, State state, long nanoTime, long timeMillis) {
    }

    State state();

    /** Wall-clock time of the last state change (or of the signal's creation). */
    Instant since();

    /** Monotonic time ({@link io.nines.core.Clock#nanoTime()}) of the last state change, to measure how long it has lasted. */
    long sinceNanos();

    /** {@code state() == CONNECTED}. */
    default boolean hasQuorum() {
        return state() == State.CONNECTED;
    }

    /**
     * Calls {@code listener} on every state change. Nothing is delivered at subscription: read
     * {@link #state()} after subscribing to start from a consistent view.
     */
    Subscription listen(Consumer<? super Change> listener);
}
