package io.nines.jdbc.internal;

import io.nines.topology.ClusterTopology;
import io.nines.topology.Endpoint;
import java.util.List;

/**
 * What the data source routes by, replaced as a whole on every topology: readers take one volatile read.
 *
 * @param primary  the writable primary's pool, or {@code null} when there is none
 * @param replicas replicas that may serve reads (UP, weight > 0), health aside
 */
record Routing(ClusterTopology topology, EndpointPool primary, List<Endpoint> replicas) {

    long epoch() {
        return topology.epoch();
    }
}
