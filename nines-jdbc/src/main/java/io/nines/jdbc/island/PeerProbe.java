package io.nines.jdbc.island;

import io.nines.jdbc.island.internal.Probes;
import java.time.Duration;

/**
 * How the island guard asks a {@link Peer} whether it can be reached. A probe answers {@code true} only if the peer
 * answered within the timeout; it never throws for an unreachable peer. Any answer counts, even an error status:
 * the question is whether the other zone can be reached, not whether the peer is healthy.
 *
 * <p>Which one to use: {@link #tcpConnect()} is the cheapest and right on a real network, where a partition drops
 * the handshake. Behind anything that completes the TCP handshake locally (an L4 proxy or sidecar on this host, the
 * test kit's zone links) only a round trip proves the far side is there: use {@link #httpGet(String)} for
 * application nodes, or {@link #greeting()} for servers that speak first (MariaDB/MySQL, SSH, SMTP).
 */
@FunctionalInterface
public interface PeerProbe {

    /** Whether {@code peer} answered within {@code timeout}. Must return (not throw) within about {@code timeout}. */
    boolean answers(Peer peer, Duration timeout);

    /** A completed TCP handshake. */
    static PeerProbe tcpConnect() {
        return Probes.TCP_CONNECT;
    }

    /** A TCP connection on which the peer sends at least one byte without being asked (a server greeting). */
    static PeerProbe greeting() {
        return Probes.GREETING;
    }

    /** An HTTP/1.1 {@code GET path} answered by any status line ({@code HTTP/...}), whatever the status. */
    static PeerProbe httpGet(String path) {
        return Probes.httpGet(path);
    }
}
