package io.nines.failover;

import java.util.Optional;

/**
 * One probe of one node.
 *
 * @param node        node name
 * @param startNanos  monotonic time the probe's query started ({@link io.nines.core.Clock#nanoTime()}): what it
 *                    read was true at or after this
 * @param endNanos    monotonic time the probe ended (answer or failure known)
 * @param timeMillis  wall-clock time of the probe
 * @param reach       how the probe ended
 * @param error       the failure, empty when {@link Reach#OK}
 * @param latencyMillis how long the probe took
 * @param variables   what the server reported (null unless OK)
 * @param replica     its replication connection, if it has one (null if none or not OK)
 */
public record NodeSample(String node, long startNanos, long endNanos, long timeMillis, Reach reach, String error, long latencyMillis,
                         NodeVariables variables, ReplicaStatus replica) {

    public boolean ok() {
        return reach == Reach.OK;
    }

    public Optional<ReplicaStatus> replicaStatus() {
        return Optional.ofNullable(replica);
    }

    /** Whether it answered and has no replication connection (a primary, or a stand-alone server). */
    public boolean replicatesFromNobody() {
        return ok() && replica == null;
    }
}
