package io.nines.testkit.mariadb;

import java.net.InetSocketAddress;

/**
 * Where a connection from one zone to a server in another zone must go. A test harness that can cut
 * links between zones (e.g. a relay per zone pair) returns its relay's address for a cross-zone route
 * and {@code target} itself within a zone; {@link MariaDbCluster} sends every replica→primary
 * connection through it, and {@link MariaDbNode#jdbcUrl(String, String)} every client→database one.
 * A router is called when a route is set up (e.g. at {@code CHANGE MASTER}), not per packet.
 */
@FunctionalInterface
public interface ZoneRouter {

    /**
     * The address a client in {@code fromZone} connects to in order to reach {@code target}, a server in
     * {@code toZone}.
     */
    InetSocketAddress route(String fromZone, String toZone, InetSocketAddress target);

    /** No links: every route is the target itself. */
    static ZoneRouter direct() {
        return (fromZone, toZone, target) -> target;
    }
}
