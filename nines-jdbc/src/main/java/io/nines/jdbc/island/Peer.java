package io.nines.jdbc.island;

import java.net.InetSocketAddress;

/**
 * Something in another zone that the island guard's double check probes: an application node, or a health
 * endpoint, reachable only if the network between the zones works (seed 000: "ping the application nodes of the
 * other data center"). Validated by {@link IslandGuardBuilder#config()}.
 *
 * @param zone the zone the peer lives in (peers in the guard's own zone prove nothing and are ignored)
 * @param host host name or address
 * @param port 1..65535
 */
public record Peer(String zone, String host, int port) {

    public static Peer of(String zone, String host, int port) {
        return new Peer(zone, host, port);
    }

    public static Peer of(String zone, InetSocketAddress address) {
        return new Peer(zone, address.getHostString(), address.getPort());
    }

    /** An unresolved socket address; resolved at each probe, so a DNS change is followed. */
    public InetSocketAddress address() {
        return InetSocketAddress.createUnresolved(host, port);
    }

    @Override
    public String toString() {
        return zone + "/" + (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }
}
