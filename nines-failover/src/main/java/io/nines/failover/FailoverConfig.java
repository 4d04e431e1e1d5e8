package io.nines.failover;

import io.nines.core.InvalidConfigException;
import io.nines.failover.internal.ConfigReader;
import io.nines.failover.internal.Durations;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Everything one failover manager needs, immutable and validated on construction (a bad value throws
 * {@link InvalidConfigException} with policy {@code failover} and the field path, e.g. {@code nodes[1].port});
 * {@link #load(Path)} reads the YAML file and reports problems with file, line and field
 * ({@link FailoverConfigException}). See the module README for the file format and every default.
 *
 * @param cluster     the topology cluster name (also the election group and the store path)
 * @param primary     the initial primary, used only when the store holds no topology yet; null: discover it
 *                    (the one writable node that replicates from nobody)
 * @param nodes       the MariaDB servers, at least two
 * @param credentials accounts for management and for replication
 * @param store       the ZooKeeper ensemble holding the topology
 * @param manager     who this manager is and where it runs
 * @param detection   probing and confirmation
 * @param failover    decisions: anti-flapping, lease, staleness, lossless mode, rejoin
 * @param audit       where the audit log goes
 */
public record FailoverConfig(String cluster, String primary, List<Node> nodes, Credentials credentials,
                             Store store, Manager manager, Detection detection, Policy failover, Audit audit) {

    static final String POLICY = "failover";
    private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

    /** Whether a node may be promoted. */
    public enum Candidate {
        /** May be promoted (default). */
        YES,
        /** Never promoted (e.g. a backup or reporting replica). */
        NO,
        /** Preferred among equally advanced replicas. */
        PREFER
    }

    /** What happens to an old primary that comes back after a failover. */
    public enum Rejoin {
        /** Rejoins as a replica of the new primary if it has no errant transactions (else quarantined). */
        REJOIN,
        /** Kept read-only, not replicating, {@code QUARANTINED} in the topology until an operator decides. */
        QUARANTINE
    }

    /** Lossless settings: enforced, only checked (warnings), or ignored. */
    public enum Lossless {
        ENFORCE, CHECK, OFF
    }

    /** Which replicas acknowledge semi-sync commits. */
    public enum Ackers {
        /**
         * Only replicas outside the primary's zone (same-zone replicas get {@code rpl_semi_sync_slave_enabled=OFF}
         * when enforced and at least one other-zone replica replicates): an isolated zone cannot acknowledge.
         */
        OTHER_ZONES,
        /** Every replica may acknowledge (lower commit latency; an isolated zone keeps acknowledging). */
        ANY
    }

    /**
     * One MariaDB server.
     *
     * @param name      unique; the endpoint id in the topology
     * @param host      address clients and replicas use
     * @param port      1..65535 (default 3306)
     * @param zone      data center / availability zone
     * @param candidate whether it may be promoted
     * @param routes    how peers in other zones reach it, zone → address, when that differs from host:port
     *                  (NAT, a replication network, a relay); used for the manager's own connections and for
     *                  {@code CHANGE MASTER} on replicas in that zone
     */
    public record Node(String name, String host, int port, String zone, Candidate candidate, Map<String, HostPort> routes) {
        public Node {
            routes = routes == null ? Map.of() : Map.copyOf(routes);
            candidate = candidate == null ? Candidate.YES : candidate;
        }

        public static Node of(String name, String host, int port, String zone) {
            return new Node(name, host, port, zone, Candidate.YES, Map.of());
        }

        /** The address a client in {@code fromZone} connects to. */
        public HostPort addressFrom(String fromZone) {
            HostPort r = routes.get(fromZone);
            return r != null ? r : new HostPort(host, port);
        }

        public HostPort address() {
            return new HostPort(host, port);
        }
    }

    /** A host and a port. */
    public record HostPort(String host, int port) {
        public HostPort {
            Objects.requireNonNull(host, "host");
        }

        /** Parses {@code host:port} (IPv6 in brackets). */
        public static HostPort parse(String text) {
            String s = text.strip();
            int colon = s.lastIndexOf(':');
            if (colon <= 0 || colon == s.length() - 1) {
                throw new IllegalArgumentException("must be host:port, was '" + text + "'");
            }
            String host = s.substring(0, colon);
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            int port;
            try {
                port = Integer.parseInt(s.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("must be host:port, was '" + text + "'");
            }
            return new HostPort(host, port);
        }

        @Override
        public String toString() {
            return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
        }
    }

    /**
     * Accounts. The management user needs {@code SUPER} (or in 10.11: {@code READ_ONLY ADMIN},
     * {@code CONNECTION ADMIN}, {@code REPLICATION SLAVE ADMIN}, {@code REPLICATION MASTER ADMIN},
     * {@code BINLOG MONITOR}, {@code SLAVE MONITOR}); the replication user {@code REPLICATION SLAVE}.
     *
     * @param user                management account
     * @param password            its password (may be empty)
     * @param replicationUser     account replicas connect with ({@code CHANGE MASTER TO MASTER_USER})
     * @param replicationPassword its password
     */
    public record Credentials(String user, String password, String replicationUser, String replicationPassword) {
        public Credentials {
            password = password == null ? "" : password;
            replicationUser = replicationUser == null ? user : replicationUser;
            replicationPassword = replicationPassword == null ? password : replicationPassword;
        }

        @Override
        public String toString() {
            return "Credentials[user=" + user + ", replicationUser=" + replicationUser + ", passwords hidden]";
        }
    }

    /**
     * The topology store.
     *
     * @param zookeeper         connect string
     * @param namespace         root znode (default {@code nines})
     * @param sessionTimeout    ZooKeeper session timeout: the lease (default 6 s); part of the island bound
     * @param connectionTimeout per operation (default 2 s)
     */
    public record Store(String zookeeper, String namespace, Duration sessionTimeout, Duration connectionTimeout) {
        public static Store of(String zookeeper) {
            return new Store(zookeeper, "nines", Duration.ofSeconds(6), Duration.ofSeconds(2));
        }
    }

    /** This manager: a unique id and the zone it runs in. */
    public record Manager(String id, String zone) {
    }

    /**
     * Probing and confirmation.
     *
     * @param probeInterval       time between probes of every node (default 500 ms)
     * @param recheckInterval     time between probes once a probe of the primary failed (default 100 ms)
     * @param connectTimeout      JDBC connect timeout of probes (default 500 ms)
     * @param readTimeout         JDBC socket timeout of probes (default 1 s); a probe that hits it is a timeout
     * @param missesBeforeSuspect failed probes of the primary in a row before it is suspected (default 2)
     * @param heartbeatPeriod     {@code MASTER_HEARTBEAT_PERIOD} set on replicas (default 250 ms): an idle primary
     *                            still shows its replicas it is alive this often
     * @param replicaSilence      a replica whose IO thread says Yes but that received nothing (no event, no
     *                            heartbeat) for this long lost the primary too (default 1 s; &gt; 2 heartbeats)
     * @param minConfirmations    vantage points other than this manager (replicas, other managers) that must see
     *                            the primary down before a failover (default 1)
     */
    public record Detection(Duration probeInterval, Duration recheckInterval, Duration connectTimeout,
                            Duration readTimeout, int missesBeforeSuspect, Duration heartbeatPeriod,
                            Duration replicaSilence, int minConfirmations) {
        public static Detection defaults() {
            return new Detection(Duration.ofMillis(500), Duration.ofMillis(100), Duration.ofMillis(500),
                    Duration.ofSeconds(1), 2, Duration.ofMillis(250), Duration.ofSeconds(1), 1);
        }

        /** Longest time from a primary's death to its suspicion: misses × interval plus one probe's timeouts. */
        public Duration suspectBound() {
            return probeInterval.plus(recheckInterval.multipliedBy(Math.max(0, missesBeforeSuspect - 1)))
                    .plus(connectTimeout).plus(readTimeout);
        }
    }

    /**
     * Decisions.
     *
     * @param antiFlapWindow       no second automatic failover of the cluster within this (default 10 min)
     * @param clientDoubleCheck    how long clients' island guard takes to double-check a lost quorum (default 1 s)
     * @param islandBound          how long after losing the store every client must have fenced itself:
     *                             at least store session timeout + double check (the default); a primary that
     *                             timed out (may be alive in a partition) is replaced only this long after the
     *                             last evidence it was alive
     * @param maxReplicationBroken a replica whose replication was broken this long before the primary failed is
     *                             never promoted (default 10 s)
     * @param maxPromotionLag      the new primary must have received everything the primary had written this long
     *                             before its last good probe; otherwise it is stale and the failover is refused
     *                             (default 2 s)
     * @param catchUpTimeout       how long the chosen replica may take to apply its relay log (default 10 s)
     * @param rejoin               what happens to a returning old primary (default rejoin)
     * @param lossless             lossless settings enforced, checked or ignored (default enforce)
     * @param semiSyncTimeout      {@code rpl_semi_sync_master_timeout} enforced (default 30 s); must exceed
     *                             island bound + suspect bound, so an isolated primary cannot fall back to async
     *                             and acknowledge before its clients fenced themselves
     * @param semiSyncAckers       which replicas acknowledge (default other-zones)
     */
    public record Policy(Duration antiFlapWindow, Duration clientDoubleCheck, Duration islandBound,
                         Duration maxReplicationBroken, Duration maxPromotionLag, Duration catchUpTimeout,
                         Rejoin rejoin, Lossless lossless, Duration semiSyncTimeout, Ackers semiSyncAckers) {
        /** Defaults; {@code islandBound} null means store session timeout + double check. */
        public static Policy defaults() {
            return new Policy(Duration.ofMinutes(10), Duration.ofSeconds(1), null, Duration.ofSeconds(10),
                    Duration.ofSeconds(2), Duration.ofSeconds(10), Rejoin.REJOIN, Lossless.ENFORCE,
                    Duration.ofSeconds(30), Ackers.OTHER_ZONES);
        }
    }

    /**
     * The audit log.
     *
     * @param file      JSON-lines file appended to (null: none); parent directories are created
     * @param storeTail entries kept in the store per manager, read by {@code nines failover status} (default 100)
     */
    public record Audit(Path file, int storeTail) {
        public static Audit defaults() {
            return new Audit(null, 100);
        }
    }

    public FailoverConfig {
        req("cluster", cluster);
        if (!SEGMENT.matcher(cluster).matches()) {
            throw bad("cluster", "must match [A-Za-z0-9][A-Za-z0-9._-]* (at most 128), was '" + cluster + "'");
        }
        req("nodes", nodes);
        nodes = List.copyOf(nodes);
        if (nodes.size() < 2) {
            throw bad("nodes", "a failover needs at least 2 nodes, got " + nodes.size());
        }
        Map<String, Integer> names = new HashMap<>();
        Map<String, Integer> addresses = new HashMap<>();
        boolean anyCandidate = false;
        for (int i = 0; i < nodes.size(); i++) {
            Node n = nodes.get(i);
            String p = "nodes[" + i + "]";
            if (n == null) {
                throw bad(p, "must not be empty");
            }
            if (n.name() == null || !SEGMENT.matcher(n.name()).matches()) {
                throw bad(p + ".name", "must match [A-Za-z0-9][A-Za-z0-9._-]*, was " + quote(n.name()));
            }
            Integer first = names.putIfAbsent(n.name(), i);
            if (first != null) {
                throw bad(p + ".name", "duplicate node name '" + n.name() + "' (also nodes[" + first + "])");
            }
            host(p + ".host", n.host());
            port(p + ".port", n.port());
            Integer same = addresses.putIfAbsent(n.host() + ":" + n.port(), i);
            if (same != null) {
                throw bad(p + ".port", "same host and port as nodes[" + same + "] (" + n.host() + ":" + n.port() + ")");
            }
            zone(p + ".zone", n.zone());
            for (Map.Entry<String, HostPort> r : n.routes().entrySet()) {
                zone(p + ".routes", r.getKey());
                host(p + ".routes." + r.getKey(), r.getValue().host());
                port(p + ".routes." + r.getKey(), r.getValue().port());
            }
            anyCandidate |= n.candidate() != Candidate.NO;
        }
        if (!anyCandidate) {
            throw bad("nodes", "no node may be promoted (every candidate is false)");
        }
        if (primary != null && !names.containsKey(primary)) {
            throw bad("primary", "'" + primary + "' is not one of the nodes " + nodes.stream().map(Node::name).toList());
        }
        req("credentials", credentials);
        if (credentials.user() == null || credentials.user().isBlank()) {
            throw bad("credentials.user", "must be set");
        }
        if (credentials.replicationUser() == null || credentials.replicationUser().isBlank()) {
            throw bad("credentials.replicationUser", "must not be blank");
        }
        req("store", store);
        if (store.zookeeper() == null || store.zookeeper().isBlank()) {
            throw bad("store.zookeeper", "must be set (host:port[,host:port...])");
        }
        if (store.namespace() == null || !SEGMENT.matcher(store.namespace()).matches()) {
            throw bad("store.namespace", "must match [A-Za-z0-9][A-Za-z0-9._-]*, was " + quote(store.namespace()));
        }
        positive("store.sessionTimeout", store.sessionTimeout());
        positive("store.connectionTimeout", store.connectionTimeout());
        if (store.connectionTimeout().compareTo(store.sessionTimeout()) > 0) {
            throw bad("store.connectionTimeout", "must be <= store.sessionTimeout (" + Durations.format(store.sessionTimeout())
                    + "), was " + Durations.format(store.connectionTimeout()));
        }
        req("manager", manager);
        if (manager.id() == null || !SEGMENT.matcher(manager.id()).matches()) {
            throw bad("manager.id", "must match [A-Za-z0-9][A-Za-z0-9._-]*, was " + quote(manager.id()));
        }
        zone("manager.zone", manager.zone());

        req("detection", detection);
        positive("detection.probeInterval", detection.probeInterval());
        positive("detection.recheckInterval", detection.recheckInterval());
        positive("detection.connectTimeout", detection.connectTimeout());
        positive("detection.readTimeout", detection.readTimeout());
        positive("detection.heartbeatPeriod", detection.heartbeatPeriod());
        positive("detection.replicaSilence", detection.replicaSilence());
        if (detection.recheckInterval().compareTo(detection.probeInterval()) > 0) {
            throw bad("detection.recheckInterval", "must be <= detection.probeInterval ("
                    + Durations.format(detection.probeInterval()) + "), was " + Durations.format(detection.recheckInterval()));
        }
        if (detection.missesBeforeSuspect() < 1 || detection.missesBeforeSuspect() > 100) {
            throw bad("detection.missesBeforeSuspect", "must be in [1, 100], was " + detection.missesBeforeSuspect());
        }
        if (detection.minConfirmations() < 0) {
            throw bad("detection.minConfirmations", "must be >= 0, was " + detection.minConfirmations());
        }
        if (detection.heartbeatPeriod().toMillis() > 4_294_967L * 1000) {
            throw bad("detection.heartbeatPeriod", "is too long: " + Durations.format(detection.heartbeatPeriod()));
        }
        if (detection.replicaSilence().compareTo(detection.heartbeatPeriod().multipliedBy(2)) <= 0) {
            throw bad("detection.replicaSilence", "must be longer than 2 heartbeat periods ("
                    + Durations.format(detection.heartbeatPeriod().multipliedBy(2)) + "), was "
                    + Durations.format(detection.replicaSilence()) + ": a healthy idle link would look silent");
        }

        req("failover", failover);
        Duration minIsland = store.sessionTimeout().plus(nonNegative("failover.clientDoubleCheck", failover.clientDoubleCheck()));
        if (failover.islandBound() == null) {
            failover = new Policy(failover.antiFlapWindow(), failover.clientDoubleCheck(), minIsland,
                    failover.maxReplicationBroken(), failover.maxPromotionLag(), failover.catchUpTimeout(),
                    failover.rejoin(), failover.lossless(), failover.semiSyncTimeout(), failover.semiSyncAckers());
        } else if (failover.islandBound().compareTo(minIsland) < 0) {
            throw bad("failover.islandBound", "must be >= store.sessionTimeout + failover.clientDoubleCheck ("
                    + Durations.format(minIsland) + "): clients in a cut zone may still write until then, was "
                    + Durations.format(failover.islandBound()));
        }
        nonNegative("failover.antiFlapWindow", failover.antiFlapWindow());
        positive("failover.maxReplicationBroken", failover.maxReplicationBroken());
        if (failover.maxReplicationBroken().compareTo(detection.probeInterval().multipliedBy(2)) < 0) {
            throw bad("failover.maxReplicationBroken", "must be >= 2 probe intervals ("
                    + Durations.format(detection.probeInterval().multipliedBy(2))
                    + "): every replica looks broken for a moment after the primary dies, was "
                    + Durations.format(failover.maxReplicationBroken()));
        }
        nonNegative("failover.maxPromotionLag", failover.maxPromotionLag());
        positive("failover.catchUpTimeout", failover.catchUpTimeout());
        req("failover.rejoin", failover.rejoin());
        req("failover.lossless", failover.lossless());
        req("failover.semiSyncAckers", failover.semiSyncAckers());
        positive("failover.semiSyncTimeout", failover.semiSyncTimeout());
        if (failover.semiSyncTimeout().toMillis() > 0xFFFF_FFFFL) {
            throw bad("failover.semiSyncTimeout", "must be at most 4294967295 ms, was " + Durations.format(failover.semiSyncTimeout()));
        }
        Duration needed = failover.islandBound().plus(detection.suspectBound());
        if (failover.lossless() == Lossless.ENFORCE && failover.semiSyncTimeout().compareTo(needed) <= 0) {
            throw bad("failover.semiSyncTimeout", "must be longer than a failover that waits for the island bound ("
                    + Durations.format(failover.islandBound()) + " + suspect bound " + Durations.format(detection.suspectBound())
                    + " = " + Durations.format(needed) + "), or an isolated primary falls back to async and acknowledges"
                    + " writes no replica has; was " + Durations.format(failover.semiSyncTimeout()));
        }
        req("audit", audit);
        if (audit.storeTail() < 0 || audit.storeTail() > 10_000) {
            throw bad("audit.storeTail", "must be in [0, 10000], was " + audit.storeTail());
        }
    }

    /** Reads and validates a YAML config file. */
    public static FailoverConfig load(Path file) {
        byte[] data;
        try {
            data = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new FailoverConfigException(file.toString(), -1, -1, "", "cannot read: " + e, e);
        }
        return ConfigReader.read(data, file.toString(), System::getenv);
    }

    /** Parses YAML text; {@code source} names it in messages. */
    public static FailoverConfig parse(String yaml, String source) {
        return ConfigReader.read(yaml.getBytes(StandardCharsets.UTF_8), source, System::getenv);
    }

    /** The node of that name. */
    public Optional<Node> node(String name) {
        return nodes.stream().filter(n -> n.name().equals(name)).findFirst();
    }

    /** Nodes by name, in declaration order. */
    public Map<String, Node> nodesByName() {
        Map<String, Node> m = new LinkedHashMap<>();
        nodes.forEach(n -> m.put(n.name(), n));
        return m;
    }

    /** The election group of this cluster's managers. */
    public String electionGroup() {
        return cluster + "-failover";
    }

    private static void req(String field, Object v) {
        if (v == null) {
            throw bad(field, "must be set");
        }
    }

    private static void positive(String field, Duration d) {
        req(field, d);
        if (d.isNegative() || d.isZero()) {
            throw bad(field, "must be > 0, was " + Durations.format(d));
        }
    }

    private static Duration nonNegative(String field, Duration d) {
        req(field, d);
        if (d.isNegative()) {
            throw bad(field, "must be >= 0, was " + Durations.format(d));
        }
        return d;
    }

    private static void host(String field, String host) {
        if (host == null || host.isBlank() || host.chars().anyMatch(Character::isWhitespace)) {
            throw bad(field, "must be a host name or address without whitespace, was " + quote(host));
        }
    }

    private static void port(String field, int port) {
        if (port < 1 || port > 65_535) {
            throw bad(field, "must be in [1, 65535], was " + port);
        }
    }

    private static void zone(String field, String zone) {
        if (zone == null || zone.isBlank() || zone.chars().anyMatch(Character::isWhitespace)) {
            throw bad(field, "must be a zone name without whitespace, was " + quote(zone));
        }
    }

    private static String quote(String s) {
        return s == null ? "empty" : "'" + s + "'";
    }

    private static InvalidConfigException bad(String field, String problem) {
        return new InvalidConfigException(POLICY, field, problem);
    }

    /** Lower-case YAML spelling of an enum constant ({@code OTHER_ZONES} → {@code other-zones}). */
    public static String yamlName(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
