package io.nines.jdbc.island;

import static io.nines.core.InvalidConfigException.positive;
import static io.nines.core.InvalidConfigException.required;

import io.nines.core.Clock;
import io.nines.core.InvalidConfigException;
import io.nines.topology.QuorumSignal;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fluent builder of an {@link IslandGuard}. {@link #config()} and {@link #build()} validate every field and name the
 * bad one ({@code islandGuard.storeSessionTimeout: must be set}).
 *
 * <pre>{@code
 * IslandGuard guard = IslandGuard.builder("payments-island")
 *         .quorum(store.quorum())
 *         .zone("zoneA")
 *         .storeSessionTimeout(Duration.ofSeconds(6))       // the ZooKeeper session timeout of that store
 *         .peer("zoneB", "app-b1.internal", 8080)
 *         .peer("zoneC", "app-c1.internal", 8080)
 *         .probe(PeerProbe.httpGet("/health"))
 *         .build();
 * }</pre>
 */
public final class IslandGuardBuilder {

    static final String POLICY = "islandGuard";
    private static final Logger LOG = LoggerFactory.getLogger(IslandGuard.class);

    private final String name;
    private QuorumSignal quorum;
    private String zone;
    private final List<Peer> peers = new ArrayList<>();
    private PeerProbe probe = PeerProbe.tcpConnect();
    private Duration storeSessionTimeout;
    private Duration doubleCheckTimeout = IslandGuardConfig.DEFAULT_DOUBLE_CHECK_TIMEOUT;
    private Duration probeTimeout = IslandGuardConfig.DEFAULT_PROBE_TIMEOUT;
    private Duration recheckInterval = IslandGuardConfig.DEFAULT_RECHECK_INTERVAL;
    private Clock clock = Clock.system();

    IslandGuardBuilder(String name) {
        this.name = name;
    }

    /** Starts from an existing config (peers are replaced by its peers). */
    public IslandGuardBuilder from(IslandGuardConfig config) {
        zone = config.zone();
        peers.clear();
        peers.addAll(config.peers());
        probe = config.probe();
        storeSessionTimeout = config.storeSessionTimeout();
        doubleCheckTimeout = config.doubleCheckTimeout();
        probeTimeout = config.probeTimeout();
        recheckInterval = config.recheckInterval();
        return this;
    }

    /** The store's quorum signal ({@code TopologyStore.quorum()}). Needed by {@link #build()}, not by {@link #config()}. */
    public IslandGuardBuilder quorum(QuorumSignal quorum) {
        this.quorum = quorum;
        return this;
    }

    /** The zone this process runs in. Required. */
    public IslandGuardBuilder zone(String zone) {
        this.zone = zone;
        return this;
    }

    /** A peer to probe in another zone. At least one peer outside {@link #zone} is required. */
    public IslandGuardBuilder peer(String zone, String host, int port) {
        peers.add(new Peer(zone, host, port));
        return this;
    }

    public IslandGuardBuilder peer(String zone, InetSocketAddress address) {
        peers.add(Peer.of(zone, address));
        return this;
    }

    public IslandGuardBuilder peer(Peer peer) {
        peers.add(peer);
        return this;
    }

    /** Adds peers; those in this process's own zone are dropped (a shared list of all application nodes is fine). */
    public IslandGuardBuilder peers(List<Peer> more) {
        peers.addAll(more);
        return this;
    }

    /** How peers are probed. Default {@link PeerProbe#tcpConnect()}. */
    public IslandGuardBuilder probe(PeerProbe probe) {
        this.probe = probe;
        return this;
    }

    /** The topology store's session timeout: the lease. Required (no default: a wrong value breaks the bounds). */
    public IslandGuardBuilder storeSessionTimeout(Duration timeout) {
        this.storeSessionTimeout = timeout;
        return this;
    }

    /** Longest double check. Default 2 s; at most the store session timeout. */
    public IslandGuardBuilder doubleCheckTimeout(Duration timeout) {
        this.doubleCheckTimeout = timeout;
        return this;
    }

    /** Longest single probe. Default 500 ms; at most the double-check timeout. */
    public IslandGuardBuilder probeTimeout(Duration timeout) {
        this.probeTimeout = timeout;
        return this;
    }

    /** How often peers are probed again while the quorum stays lost. Default 1 s. */
    public IslandGuardBuilder recheckInterval(Duration interval) {
        this.recheckInterval = interval;
        return this;
    }

    /** Time source of the guard's state and events. */
    public IslandGuardBuilder clock(Clock clock) {
        this.clock = clock;
        return this;
    }

    public IslandGuardConfig config() {
        required(POLICY, "name", name);
        if (name.isBlank()) {
            throw new InvalidConfigException(POLICY, "name", "must not be blank");
        }
        required(POLICY, "zone", zone);
        if (zone.isBlank()) {
            throw new InvalidConfigException(POLICY, "zone", "must not be blank");
        }
        List<Peer> others = new ArrayList<>();
        for (int i = 0; i < peers.size(); i++) {
            Peer p = peers.get(i);
            String field = "peers[" + i + "]";
            required(POLICY, field, p);
            if (p.zone() == null || p.zone().isBlank()) {
                throw new InvalidConfigException(POLICY, field + ".zone", "must be set and not blank");
            }
            if (p.host() == null || p.host().isBlank()) {
                throw new InvalidConfigException(POLICY, field + ".host", "must be set and not blank");
            }
            if (p.port() < 1 || p.port() > 65_535) {
                throw new InvalidConfigException(POLICY, field + ".port", "must be in [1, 65535], was " + p.port());
            }
            if (p.zone().equals(zone)) {
                LOG.debug("island guard {}: peer {} is in its own zone, not probed", name, p);
            } else if (!others.contains(p)) {
                others.add(p);
            }
        }
        if (others.isEmpty()) {
            throw new InvalidConfigException(POLICY, "peers", "needs at least one peer in a zone other than '" + zone
                    + "' (without one every store blip would be an island); for a single-zone deployment use"
                    + " IslandGuard.disabled(name)");
        }
        required(POLICY, "probe", probe);
        positive(POLICY, "storeSessionTimeout", storeSessionTimeout);
        positive(POLICY, "doubleCheckTimeout", doubleCheckTimeout);
        if (doubleCheckTimeout.compareTo(storeSessionTimeout) > 0) {
            throw new InvalidConfigException(POLICY, "doubleCheckTimeout", "must be <= storeSessionTimeout ("
                    + storeSessionTimeout + "): the lease expires first anyway; was " + doubleCheckTimeout);
        }
        positive(POLICY, "probeTimeout", probeTimeout);
        if (probeTimeout.compareTo(doubleCheckTimeout) > 0) {
            throw new InvalidConfigException(POLICY, "probeTimeout", "must be <= doubleCheckTimeout ("
                    + doubleCheckTimeout + "), was " + probeTimeout);
        }
        positive(POLICY, "recheckInterval", recheckInterval);
        return new IslandGuardConfig(zone, others, probe, storeSessionTimeout, doubleCheckTimeout, probeTimeout,
                recheckInterval);
    }

    /** Starts the guard: it reads the quorum's current state, then follows its changes. */
    public IslandGuard build() {
        IslandGuardConfig config = config();
        required(POLICY, "quorum", quorum);
        required(POLICY, "clock", clock);
        return IslandGuard.of(name, config, quorum, clock);
    }
}
