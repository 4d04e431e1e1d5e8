package io.nines.jdbc.island;

import io.nines.topology.QuorumSignal;

/** What an {@link IslandGuard} reports to its listeners (on the guard's own thread; keep listeners short). */
public sealed interface IslandGuardEvent {

    /** The guard's name. */
    String name();

    long timeMillis();

    /**
     * The store quorum was lost ({@code SUSPENDED} or {@code LOST}): the state is {@link IslandGuard.State#SUSPECTED}
     * and the double check has started.
     */
    record Suspected(String name, QuorumSignal.State quorum, long timeMillis) implements IslandGuardEvent {
    }

    /**
     * A double check reached a peer in another zone: not an island (a store blip), guarded operations go on.
     *
     * @param peer          the peer that answered first
     * @param checkMillis   how long the double check took
     * @param suspectedMillis how long the quorum has been lost
     */
    record PeerAnswered(String name, Peer peer, long checkMillis, long suspectedMillis, long timeMillis)
            implements IslandGuardEvent {
    }

    /**
     * This zone was declared an island: guarded operations are refused until the quorum returns.
     *
     * @param reason          why
     * @param suspectedMillis how long after the quorum was lost
     */
    record Declared(String name, IslandGuard.Reason reason, long suspectedMillis, long timeMillis)
            implements IslandGuardEvent {
    }

    /**
     * The quorum returned: the state is {@link IslandGuard.State#OK} again.
     *
     * @param previous       {@link IslandGuard.State#ISLAND} (an island cleared) or {@link IslandGuard.State#SUSPECTED}
     *                       (a blip ended)
     * @param durationMillis how long the quorum was lost
     */
    record Cleared(String name, IslandGuard.State previous, long durationMillis, long timeMillis)
            implements IslandGuardEvent {
    }
}
