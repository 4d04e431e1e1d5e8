package io.nines.jdbc.island;

import java.time.Duration;
import java.util.List;

/**
 * Immutable, validated settings of an {@link IslandGuard}; built by {@link IslandGuardBuilder#config()}.
 *
 * @param zone                the zone this process runs in
 * @param peers               peers in <em>other</em> zones probed by the double check (peers given in {@code zone} are
 *                            dropped by the builder: they prove nothing)
 * @param probe               how a peer is probed
 * @param storeSessionTimeout the topology store's session timeout (ZooKeeper session timeout): the lease. Must be the
 *                            store's real value (what the server grants); it is part of both bounds
 * @param doubleCheckTimeout  how long one double check may take: probe rounds until a peer answers or this elapses
 * @param probeTimeout        how long one probe of one peer may take (connect + answer)
 * @param recheckInterval     how often the peers are probed again while the quorum stays lost and peers answered
 */
public record IslandGuardConfig(String zone, List<Peer> peers, PeerProbe probe, Duration storeSessionTimeout,
                                Duration doubleCheckTimeout, Duration probeTimeout, Duration recheckInterval) {

    public static final Duration DEFAULT_DOUBLE_CHECK_TIMEOUT = Duration.ofSeconds(2);
    public static final Duration DEFAULT_PROBE_TIMEOUT = Duration.ofMillis(500);
    public static final Duration DEFAULT_RECHECK_INTERVAL = Duration.ofSeconds(1);

    public IslandGuardConfig {
        peers = List.copyOf(peers);
    }

    /** {@code storeSessionTimeout + doubleCheckTimeout}; see {@link IslandGuard#declarationBound()}. */
    public Duration declarationBound() {
        return storeSessionTimeout.plus(doubleCheckTimeout);
    }

    /** {@code storeSessionTimeout + max(doubleCheckTimeout, storeSessionTimeout)}; see {@link IslandGuard#fenceBound()}. */
    public Duration fenceBound() {
        Duration longer = doubleCheckTimeout.compareTo(storeSessionTimeout) > 0 ? doubleCheckTimeout : storeSessionTimeout;
        return storeSessionTimeout.plus(longer);
    }

    /** The zones of the peers, in order of first appearance. */
    public List<String> peerZones() {
        return peers.stream().map(Peer::zone).distinct().toList();
    }
}
