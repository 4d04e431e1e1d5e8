package io.nines.topology;

import io.nines.core.InvalidConfigException;
import io.nines.topology.Endpoint.Role;
import io.nines.topology.Endpoint.State;
import io.nines.topology.internal.Names;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * A cluster as one immutable, validated snapshot at one epoch.
 *
 * <p>The <b>epoch</b> is the fencing token: it rises by one with every published change (every failover),
 * and a client never goes back to a lower one. Stores only accept a successor at exactly {@code epoch + 1}
 * (see {@link TopologyStore#compareAndSet}); {@link #successor} and {@link #promote} build one.
 *
 * <p>Validation (throws {@link InvalidConfigException} with policy {@code cluster[<name>]} and the field):
 * name is a safe path segment, epoch {@code >= 0}, endpoint ids unique, and in a {@link Kind#MARIADB}
 * cluster at most one {@link Role#PRIMARY} that is not fenced (a fenced old primary may stay listed).
 *
 * @param name      cluster name, {@code [A-Za-z0-9][A-Za-z0-9._-]*}, at most 128 characters
 * @param kind      protocol of the cluster
 * @param epoch     fencing token, {@code >= 0}
 * @param endpoints members, in the order given (copied, unmodifiable)
 */
public record ClusterTopology(String name, Kind kind, long epoch, List<Endpoint> endpoints) {

    /** Protocol spoken by the cluster's endpoints. */
    public enum Kind {
        HTTP, TCP, REDIS, MARIADB
    }

    public ClusterTopology {
        Names.segment("cluster", "name", name);
        String policy = "cluster[" + name + "]";
        InvalidConfigException.required(policy, "kind", kind);
        if (epoch < 0) {
            throw new InvalidConfigException(policy, "epoch", "must be >= 0, was " + epoch);
        }
        InvalidConfigException.required(policy, "endpoints", endpoints);
        Map<String, Integer> ids = new HashMap<>();
        int livePrimary = -1;
        for (int i = 0; i < endpoints.size(); i++) {
            Endpoint e = endpoints.get(i);
            if (e == null) {
                throw new InvalidConfigException(policy, "endpoints[" + i + "]", "must not be null");
            }
            Integer first = ids.putIfAbsent(e.id(), i);
            if (first != null) {
                throw new InvalidConfigException(policy, "endpoints[" + i + "].id",
                        "duplicate endpoint id '" + e.id() + "' (also endpoints[" + first + "])");
            }
            if (kind == Kind.MARIADB && e.role() == Role.PRIMARY && !e.isFenced()) {
                if (livePrimary >= 0) {
                    throw new InvalidConfigException(policy, "endpoints[" + i + "].role",
                            "a second non-fenced primary '" + e.id() + "' (endpoints[" + livePrimary + "] '"
                                    + endpoints.get(livePrimary).id()
                                    + "' is primary); a mariadb cluster has at most one, fence the old one");
                }
                livePrimary = i;
            }
        }
        endpoints = List.copyOf(endpoints);
    }

    public static ClusterTopology of(String name, Kind kind, long epoch, Endpoint... endpoints) {
        return new ClusterTopology(name, kind, epoch, Arrays.asList(endpoints));
    }

    /** The primary that is not fenced (the one taking writes), if any. */
    public Optional<Endpoint> primary() {
        for (Endpoint e : endpoints) {
            if (e.role() == Role.PRIMARY && !e.isFenced()) {
                return Optional.of(e);
            }
        }
        return Optional.empty();
    }

    /** Replicas that are not fenced (whatever their health: clients check that themselves). */
    public List<Endpoint> replicas() {
        return endpoints.stream().filter(e -> e.role() == Role.REPLICA && !e.isFenced()).toList();
    }

    /** All endpoints with that role, fenced or not. */
    public List<Endpoint> withRole(Role role) {
        Objects.requireNonNull(role, "role");
        return endpoints.stream().filter(e -> e.role() == role).toList();
    }

    /** All endpoints in that zone. */
    public List<Endpoint> inZone(String zone) {
        return endpoints.stream().filter(e -> e.inZone(zone)).toList();
    }

    /** The zones this cluster spans, sorted. */
    public Set<String> zones() {
        Set<String> zones = new TreeSet<>();
        endpoints.forEach(e -> zones.add(e.zone()));
        return zones;
    }

    public Optional<Endpoint> endpoint(String id) {
        Objects.requireNonNull(id, "id");
        return endpoints.stream().filter(e -> e.id().equals(id)).findFirst();
    }

    /** Same cluster at another epoch (for {@link TopologyStore#create}, or tests; publish with {@link #successor}). */
    public ClusterTopology withEpoch(long newEpoch) {
        return new ClusterTopology(name, kind, newEpoch, endpoints);
    }

    /** Same epoch, other endpoints. */
    public ClusterTopology withEndpoints(List<Endpoint> newEndpoints) {
        return new ClusterTopology(name, kind, epoch, newEndpoints);
    }

    /** Same epoch, with the endpoint of the same id replaced by {@code endpoint} (or appended if new). */
    public ClusterTopology withEndpoint(Endpoint endpoint) {
        Objects.requireNonNull(endpoint, "endpoint");
        List<Endpoint> next = new ArrayList<>(endpoints);
        boolean replaced = false;
        for (int i = 0; i < next.size(); i++) {
            if (next.get(i).id().equals(endpoint.id())) {
                next.set(i, endpoint);
                replaced = true;
            }
        }
        if (!replaced) {
            next.add(endpoint);
        }
        return new ClusterTopology(name, kind, epoch, next);
    }

    /** The next epoch with the same endpoints: a pure fencing bump. */
    public ClusterTopology successor() {
        return new ClusterTopology(name, kind, Math.addExact(epoch, 1), endpoints);
    }

    /** The next epoch ({@code epoch + 1}) with these endpoints: what a store's compare-and-set accepts. */
    public ClusterTopology successor(List<Endpoint> newEndpoints) {
        return new ClusterTopology(name, kind, Math.addExact(epoch, 1), newEndpoints);
    }

    /** The next epoch with {@code endpoint} replacing the one of the same id (or appended). */
    public ClusterTopology successor(Endpoint endpoint) {
        return withEndpoint(endpoint).successor();
    }

    /**
     * The failover successor: epoch + 1, {@code newPrimaryId} becomes the {@link Role#PRIMARY} in state
     * {@link State#UP}, and the previous non-fenced primary (if any, and if another endpoint) stays listed as
     * primary but {@link State#FENCED}, so every client closes its connections to it.
     *
     * @throws IllegalArgumentException if no endpoint has that id
     */
    public ClusterTopology promote(String newPrimaryId) {
        Endpoint chosen = endpoint(newPrimaryId).orElseThrow(() -> new IllegalArgumentException(
                "cluster " + name + " has no endpoint '" + newPrimaryId + "'"));
        List<Endpoint> next = new ArrayList<>(endpoints.size());
        for (Endpoint e : endpoints) {
            if (e == chosen) {
                next.add(e.withRole(Role.PRIMARY).withState(State.UP));
            } else if (e.role() == Role.PRIMARY && !e.isFenced()) {
                next.add(e.withState(State.FENCED));
            } else {
                next.add(e);
            }
        }
        return successor(next);
    }

    /** Whether this snapshot may replace {@code previous}: a higher epoch, or the same epoch with other content. */
    public boolean supersedes(ClusterTopology previous) {
        return previous == null || epoch > previous.epoch || (epoch == previous.epoch && !equals(previous));
    }
}
