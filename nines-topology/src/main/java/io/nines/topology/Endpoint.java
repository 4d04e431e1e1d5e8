package io.nines.topology;

import io.nines.core.InvalidConfigException;
import java.util.Objects;

/**
 * One member of a cluster: where it is, which zone it lives in, what it does and whether it may serve.
 * Immutable and validated on construction: a bad value throws {@link InvalidConfigException} naming the
 * field (policy {@code endpoint[<id>]}).
 *
 * @param id     unique within its cluster; no whitespace
 * @param host   host name or address
 * @param port   1..65535
 * @param zone   the zone (data center / availability zone) the endpoint lives in; the island guard and
 *               zone-preferring balancers read it
 * @param role   what the endpoint does in its cluster
 * @param weight relative share of traffic, {@code >= 0} (0: receives no new traffic)
 * @param state  whether the endpoint may serve; {@link State#FENCED} and {@link State#QUARANTINED} never do
 */
public record Endpoint(String id, String host, int port, String zone, Role role, int weight, State state) {

    /** What an endpoint does in its cluster. */
    public enum Role {
        /** Takes writes (at most one non-fenced per MariaDB cluster). */
        PRIMARY,
        /** Read copy of the primary. */
        REPLICA,
        /** Owns a slice of the key space (Redis). */
        SHARD,
        /** Standby: used only when the others cannot serve. */
        BACKUP
    }

    /** Whether an endpoint may serve. */
    public enum State {
        /** Serving. */
        UP,
        /** Known to be down; kept in the topology so it can come back. */
        DOWN,
        /** Cut off by a failover: a client must close its connections to it and never send it anything. */
        FENCED,
        /** Kept out after a failover until an operator decides (e.g. errant transactions). */
        QUARANTINED,
        /** Finishes what it has, receives no new work. */
        DRAINING;

        /** {@link #FENCED} or {@link #QUARANTINED}: must receive nothing at all. */
        public boolean isFenced() {
            return this == FENCED || this == QUARANTINED;
        }
    }

    public Endpoint {
        String policy = "endpoint[" + id + "]";
        if (id == null || id.isBlank()) {
            throw new InvalidConfigException("endpoint", "id", "must be set and not blank");
        }
        if (!noWhitespace(id)) {
            throw new InvalidConfigException("endpoint", "id", "must not contain whitespace, was '" + id + "'");
        }
        if (host == null || host.isBlank()) {
            throw new InvalidConfigException(policy, "host", "must be set and not blank");
        }
        if (!noWhitespace(host)) {
            throw new InvalidConfigException(policy, "host", "must not contain whitespace, was '" + host + "'");
        }
        if (port < 1 || port > 65_535) {
            throw new InvalidConfigException(policy, "port", "must be in [1, 65535], was " + port);
        }
        if (zone == null || zone.isBlank()) {
            throw new InvalidConfigException(policy, "zone", "must be set and not blank");
        }
        if (!noWhitespace(zone)) {
            throw new InvalidConfigException(policy, "zone", "must not contain whitespace, was '" + zone + "'");
        }
        InvalidConfigException.required(policy, "role", role);
        if (weight < 0) {
            throw new InvalidConfigException(policy, "weight", "must be >= 0, was " + weight);
        }
        InvalidConfigException.required(policy, "state", state);
    }

    /** An endpoint with weight 1, state {@link State#UP}. */
    public static Endpoint of(String id, String host, int port, String zone, Role role) {
        return new Endpoint(id, host, port, zone, role, 1, State.UP);
    }

    public Endpoint withState(State newState) {
        return new Endpoint(id, host, port, zone, role, weight, newState);
    }

    public Endpoint withRole(Role newRole) {
        return new Endpoint(id, host, port, zone, newRole, weight, state);
    }

    public Endpoint withWeight(int newWeight) {
        return new Endpoint(id, host, port, zone, role, newWeight, state);
    }

    /** Fenced or quarantined: must receive nothing. */
    public boolean isFenced() {
        return state.isFenced();
    }

    /** {@link State#UP}: may take new work. */
    public boolean isUp() {
        return state == State.UP;
    }

    public boolean inZone(String z) {
        return zone.equals(Objects.requireNonNull(z, "zone"));
    }

    /** {@code host:port}, with brackets around an IPv6 literal. */
    public String address() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }

    private static boolean noWhitespace(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (Character.isWhitespace(s.charAt(i))) {
                return false;
            }
        }
        return true;
    }
}
