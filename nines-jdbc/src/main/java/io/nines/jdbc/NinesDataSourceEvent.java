package io.nines.jdbc;

import java.time.Duration;
import java.util.List;

/** What a {@link NinesDataSource} reports to its listeners. Listeners run on internal threads; keep them short. */
public sealed interface NinesDataSourceEvent {

    /** The cluster's name. */
    String name();

    long timeMillis();

    /**
     * A topology was applied.
     *
     * @param primary  id of the writable primary, or {@code null} when there is none
     * @param replicas ids of the replicas that may serve reads (health aside)
     */
    record TopologyApplied(String name, long epoch, String primary, List<String> replicas, long timeMillis)
            implements NinesDataSourceEvent {
    }

    /**
     * Borrowed connections to an endpoint were revoked (aborted), so in-flight work fails fast.
     *
     * @param endpoint    the endpoint id
     * @param connections how many borrowed connections were revoked
     * @param why         e.g. "fenced", "no longer the primary", "removed from the topology"
     */
    record ConnectionsRevoked(String name, String endpoint, long epoch, int connections, String why, long timeMillis)
            implements NinesDataSourceEvent {
    }

    /**
     * A replica started or stopped getting reads.
     *
     * @param lag    the measured lag, or {@code null} when unknown
     * @param detail why (lag over the bound, replication stopped, probe error)
     */
    record ReplicaHealthChanged(String name, String replica, boolean healthy, Duration lag, String detail,
                                long timeMillis) implements NinesDataSourceEvent {
    }

    /** After an island cleared, the topology was read again from the store; guarded operations resume. */
    record TopologyResynced(String name, long epoch, long timeMillis) implements NinesDataSourceEvent {
    }
}
