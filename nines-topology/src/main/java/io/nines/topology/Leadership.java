package io.nines.topology;

import io.nines.core.event.EventPublisher.Subscription;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * One participant's candidacy in a leader election (e.g. the failover managers of a cluster), from
 * {@link TopologyStore#elect}. Only the leader acts; leadership is dropped as soon as the store connection is
 * suspended or the session lost, so a manager that cut itself off stops acting before a new leader is chosen.
 * The epoch compare-and-set stays the real fence: two managers that both believe they lead cannot both publish
 * the same next epoch.
 *
 * <p>{@link #close()} withdraws the candidacy and relinquishes leadership.
 */
public interface Leadership extends AutoCloseable {

    /**
     * Leadership gained ({@code leader == true}) or lost.
     *
     * @param timeMillis wall-clock time the change was seen
     */
    record Change(String group, String participantId, boolean leader, long timeMillis) {
    }

    String group();

    String participantId();

    /** Whether this participant leads right now. */
    boolean isLeader();

    /**
     * Waits until this participant leads.
     *
     * @return {@code true} if it leads, {@code false} on timeout or if closed
     */
    boolean awaitLeadership(Duration timeout) throws InterruptedException;

    /**
     * The participant id of the current leader, if there is one and the store can be asked.
     *
     * @throws TopologyStoreException if the store cannot be reached
     */
    Optional<String> leader();

    /**
     * Calls {@code listener} on every gain and loss. Nothing is delivered at subscription: check
     * {@link #isLeader()} after subscribing.
     */
    Subscription listen(Consumer<? super Change> listener);

    /** Withdraws: leadership (if held) is lost at once and another participant may take over. */
    @Override
    void close();
}
