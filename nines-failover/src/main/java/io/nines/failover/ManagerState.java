package io.nines.failover;

import io.nines.topology.ClusterTopology;
import java.util.List;
import java.util.Map;

/**
 * What a running manager sees, as of its last probe round.
 *
 * @param managerId  this manager
 * @param leader     whether it leads (only the leader acts)
 * @param topology   the topology it works with (null before the first one)
 * @param samples    the last probe of every node
 * @param findings   lossless and safety findings of the last check (leader only)
 * @param suspicion  what it suspects about the primary, empty if nothing
 * @param rounds     probe rounds done
 */
public record ManagerState(String managerId, boolean leader, ClusterTopology topology, Map<String, NodeSample> samples,
                           List<Finding> findings, String suspicion, long rounds) {
}
