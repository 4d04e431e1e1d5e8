package io.nines.topology;

import io.nines.core.event.EventPublisher.Subscription;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Where cluster topologies live: get, create, compare-and-set on the epoch, watch, leader election and the
 * quorum signal (DESIGN §4). Implementations: {@code io.nines.topology.zookeeper.ZooKeeperTopologyStore}
 * (default, multi-host) and {@code io.nines.topology.file.FileTopologyStore} (one host).
 *
 * <p>Typical uses: the failover manager {@link #elect elects} a leader, reads with {@link #get} and
 * publishes {@code current.promote(id)} with {@link #compareAndSet}; clients (nines-jdbc, the proxy) open a
 * {@link TopologyView} and the island guard listens to {@link #quorum()}.
 *
 * <p>Operations that reach the store throw {@link TopologyStoreException} when it cannot be reached.
 */
public interface TopologyStore extends AutoCloseable {

    /** The cluster's stored topology, read from the store (not a cache). */
    Optional<ClusterTopology> get(String cluster);

    /** Names of all stored clusters, sorted. */
    List<String> clusters();

    /**
     * Stores a new cluster at the topology's own epoch.
     *
     * @return the stored topology
     * @throws ClusterExistsException if a cluster of that name exists
     */
    ClusterTopology create(ClusterTopology topology);

    /**
     * Atomically replaces the cluster's topology with {@code next} if the stored epoch is still
     * {@code expectedEpoch}. Of concurrent calls with the same expected epoch, exactly one succeeds.
     *
     * @return {@code true} if stored; {@code false} if the stored epoch is not {@code expectedEpoch}
     *         (someone else published first: read again and decide again) or the cluster does not exist
     * @throws IllegalArgumentException if {@code next.name()} is not {@code cluster} or
     *         {@code next.epoch() != expectedEpoch + 1}
     */
    boolean compareAndSet(String cluster, long expectedEpoch, ClusterTopology next);

    /**
     * Delivers the cluster's current topology (once it exists) and then every change, in order, never an
     * epoch lower than the last one delivered to this listener. Deliveries to one listener never overlap.
     * A cluster that is deleted keeps its last topology for the listener. Listeners run on the store's event
     * thread and must not block.
     */
    Subscription watch(String cluster, Consumer<? super ClusterTopology> listener);

    /** Joins the election of {@code group} as {@code participantId} (unique per participant). */
    Leadership elect(String group, String participantId);

    /** This process's lease on the store quorum: the island guard's input. */
    QuorumSignal quorum();

    /** Opens a client-side cache of one cluster, fed by {@link #watch}; close it when done. */
    default TopologyView view(String cluster) {
        return TopologyView.open(this, cluster);
    }

    /** Stops watches and elections (relinquishing leadership) and releases the connection. */
    @Override
    void close();
}
