package io.nines.cli.demo;

import io.nines.failover.FailoverConfig;
import io.nines.failover.FailoverManager;
import io.nines.jdbc.NinesDataSource;
import io.nines.jdbc.island.IslandGuard;
import io.nines.jdbc.island.IslandGuardBuilder;
import io.nines.jdbc.island.PeerProbe;
import com.sun.net.httpserver.HttpServer;
import io.nines.testkit.EmbeddedMariaDb;
import io.nines.testkit.mariadb.MariaDbCluster;
import io.nines.testkit.mariadb.MariaDbNode;
import io.nines.testkit.net.ZoneNetwork;
import io.nines.testkit.zookeeper.ZooKeeperEnsemble;
import io.nines.topology.ClusterTopology;
import io.nines.topology.TopologyStoreException;
import io.nines.topology.Endpoint;
import io.nines.topology.zookeeper.ZooKeeperTopologyStore;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * The embedded stack of the demo: zones {@code a} and {@code b} hold the data (db1, db2 in a; db3 in b),
 * zone {@code c} only a ZooKeeper node, so the store keeps a majority when either data zone is cut off.
 * Every cross-zone connection (clients, managers, replication, ZooKeeper peers) goes through a
 * {@link ZoneNetwork} link that the demo cuts and heals. One failover manager runs in each data zone.
 */
final class BankStack implements AutoCloseable {

    static final String CLUSTER = "bank";
    static final List<String> DATA_ZONES = List.of("a", "b");
    /** Short so the demo's partition is noticed quickly; DESIGN §6 explains how it bounds the island guard. */
    static final Duration SESSION = Duration.ofSeconds(4);
    static final Duration DOUBLE_CHECK = Duration.ofSeconds(1);
    static final int ACCOUNTS = 50;
    static final long OPENING_BALANCE = 1_000;
    /**
     * How long a commit waits for a semi-sync acknowledgement before MariaDB falls back to async. The
     * manager requires it to outlast a failover that waits for the island bound (so an isolated primary
     * cannot acknowledge alone). A primary promoted with no replica left (zone b after the island) starts
     * async instead: there is nobody to wait for.
     */
    static final Duration SEMI_SYNC_TIMEOUT = Duration.ofSeconds(8);

    final ZoneNetwork net;
    final ZooKeeperEnsemble zk;
    final MariaDbCluster db;
    final List<FailoverManager> managers = new ArrayList<>();
    /** One "application node" per data zone: the peers the island guard probes in the other zones. */
    final Map<String, HttpServer> appNodes = new LinkedHashMap<>();
    private final List<AutoCloseable> clients = new ArrayList<>();
    private final ZooKeeperTopologyStore observer;
    private volatile ClusterTopology lastSeen;
    private final String rejoin;

    private BankStack(ZoneNetwork net, ZooKeeperEnsemble zk, MariaDbCluster db, ZooKeeperTopologyStore observer,
                      String rejoin) {
        this.rejoin = rejoin;
        this.net = net;
        this.zk = zk;
        this.db = db;
        this.observer = observer;
    }

    /** The demo's stack: a returning old primary is quarantined (it may hold writes only the island had). */
    static BankStack start(Path work, Consumer<String> progress) throws Exception {
        return start(work, progress, "quarantine");
    }

    /** {@code rejoin}: the managers' {@code failover.rejoin} policy, {@code rejoin} or {@code quarantine}. */
    static BankStack start(Path work, Consumer<String> progress, String rejoin) throws Exception {
        ZoneNetwork net = new ZoneNetwork();
        ZooKeeperEnsemble zk = null;
        MariaDbCluster db = null;
        try {
            progress.accept("starting a 3-node ZooKeeper ensemble over zones a, b, c");
            zk = ZooKeeperEnsemble.builder().node("a").node("b").node("c").network(net)
                    .dataDir(work.resolve("zookeeper")).start();
            progress.accept("starting MariaDB 10.11: db1 (primary, zone a), db2 (zone a), db3 (zone b), GTID + semi-sync");
            db = MariaDbCluster.builder().node("db1", "a").node("db2", "a").node("db3", "b").primary("db1")
                    .router(net::route).binaries(work.resolve("mariadb-bin")).semiSyncTimeout(SEMI_SYNC_TIMEOUT)
                    .start();
            createBank(db.primary());
            db.awaitReplicasCaughtUp(Duration.ofSeconds(30));
            ZooKeeperTopologyStore observer = ZooKeeperTopologyStore.builder(zk.connectString("c"))
                    .sessionTimeout(SESSION).build();
            BankStack stack = new BankStack(net, zk, db, observer, rejoin);
            for (String zone : DATA_ZONES) {
                stack.appNodes.put(zone, appNode());
            }
            progress.accept("starting two failover managers (zones a and b)");
            for (String zone : DATA_ZONES) {
                stack.managers.add(FailoverManager.start(FailoverConfig.parse(stack.managerYaml("mgr-" + zone, zone),
                        "demo mgr-" + zone)));
            }
            stack.awaitTopology(t -> t.primary().map(p -> p.id().equals("db1")).orElse(false), Duration.ofSeconds(30));
            return stack;
        } catch (Exception | Error e) {
            if (db != null) {
                db.close();
            }
            if (zk != null) {
                zk.close();
            }
            net.close();
            throw e;
        }
    }

    /**
     * An application node of a zone: what the island guard of the other zone asks "can you hear me?". It answers
     * {@code GET /health}; a round trip, because the zone links (as an L4 proxy would) complete a TCP handshake even
     * while they are cut.
     */
    private static HttpServer appNode() throws IOException {
        HttpServer http = HttpServer.create(new InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 50);
        http.createContext("/health", exchange -> {
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        http.start();
        return http;
    }

    private static void createBank(MariaDbNode primary) throws SQLException {
        List<String> sql = new ArrayList<>(List.of(
                "CREATE DATABASE bank",
                "CREATE TABLE bank.accounts (id INT PRIMARY KEY, balance BIGINT NOT NULL)",
                "CREATE TABLE bank.ledger (id VARCHAR(40) PRIMARY KEY, kind VARCHAR(8) NOT NULL,"
                        + " account INT NOT NULL, other INT NULL, amount BIGINT NOT NULL, zone VARCHAR(4) NOT NULL)"));
        StringBuilder insert = new StringBuilder("INSERT INTO bank.accounts VALUES ");
        for (int i = 1; i <= ACCOUNTS; i++) {
            insert.append(i == 1 ? "" : ",").append('(').append(i).append(',').append(OPENING_BALANCE).append(')');
        }
        sql.add(insert.toString());
        // nines-jdbc reads SHOW SLAVE STATUS to send reads only to replicas that keep up
        sql.add("GRANT SLAVE MONITOR ON *.* TO '" + EmbeddedMariaDb.APP_USER + "'@'%'");
        primary.execute(sql);
    }

    /** The manager's config, as an operator would write it; node routes go through the links from its zone. */
    String managerYaml(String id, String zone) {
        StringBuilder y = new StringBuilder();
        y.append("cluster: ").append(CLUSTER).append("\nprimary: db1\nnodes:\n");
        for (MariaDbNode n : db.nodes()) {
            InetSocketAddress a = n.address();
            y.append("  - name: ").append(n.name()).append("\n    host: ").append(a.getHostString())
                    .append("\n    port: ").append(a.getPort()).append("\n    zone: ").append(n.zone())
                    .append("\n    routes:\n");
            for (String z : List.of("a", "b", "c")) {
                if (!z.equals(n.zone())) {
                    InetSocketAddress r = net.route(z, n.zone(), a);
                    y.append("      ").append(z).append(": ").append(r.getHostString()).append(':').append(r.getPort())
                            .append('\n');
                }
            }
        }
        y.append("credentials:\n  user: root\n  password: ''\n");
        y.append("store:\n  zookeeper: ").append(zk.connectString(zone)).append("\n  sessionTimeout: ")
                .append(SESSION.toMillis()).append("ms\n");
        y.append("manager:\n  id: ").append(id).append("\n  zone: ").append(zone).append('\n');
        y.append("detection:\n  probeInterval: 250ms\n  connectTimeout: 500ms\n  readTimeout: 1000ms\n"
                + "  missesBeforeSuspect: 2\n");
        y.append("failover:\n  antiFlapWindow: 5s\n  clientDoubleCheck: ").append(DOUBLE_CHECK.toMillis())
                .append("ms\n  rejoin: ").append(rejoin).append("\n  semiSyncTimeout: ").append(SEMI_SYNC_TIMEOUT.toMillis())
                .append("ms\n");
        return y.toString();
    }

    /** A client of zone {@code zone}: its own store session (through the zone's links) and island guard. */
    NinesDataSource client(String zone, String name) throws Exception {
        ZooKeeperTopologyStore store = ZooKeeperTopologyStore.builder(zk.connectString(zone))
                .sessionTimeout(SESSION).connectionTimeout(Duration.ofSeconds(1)).build();
        clients.add(store);
        IslandGuardBuilder guard = IslandGuard.builder(name + "-island").zone(zone).storeSessionTimeout(SESSION)
                .doubleCheckTimeout(DOUBLE_CHECK).probe(PeerProbe.httpGet("/health")).probeTimeout(Duration.ofMillis(300))
                .recheckInterval(Duration.ofMillis(300));
        appNodes.forEach((z, app) -> {
            if (!z.equals(zone)) {
                guard.peer(z, net.route(zone, z, app.getAddress()));
            }
        });
        NinesDataSource ds = NinesDataSource.builder(CLUSTER).topology(store).zone(zone)
                .user(EmbeddedMariaDb.APP_USER).database("bank").poolSize(4).minIdle(1).connectionTimeout(Duration.ofSeconds(1))
                .jdbcProperty("socketTimeout", "3000")
                .connectAddress(e -> net.route(zone, e.zone(),
                        InetSocketAddress.createUnresolved(e.host(), e.port())))
                .islandGuard(guard.config()).build();
        clients.add(ds);
        return ds;
    }

    /**
     * The topology as the demo's own observer (in the witness zone c) reads it; the last one read while the store
     * cannot answer (an ensemble electing a new leader after a cut answers nobody for a moment).
     */
    Optional<ClusterTopology> topology() {
        try {
            Optional<ClusterTopology> t = observer.get(CLUSTER);
            t.ifPresent(v -> lastSeen = v);
            return t;
        } catch (TopologyStoreException e) {
            return Optional.ofNullable(lastSeen);
        }
    }

    String primaryName() {
        return topology().flatMap(ClusterTopology::primary).map(Endpoint::id).orElse("-");
    }

    long epoch() {
        return topology().map(ClusterTopology::epoch).orElse(-1L);
    }

    ClusterTopology awaitTopology(java.util.function.Predicate<ClusterTopology> done, Duration timeout)
            throws TimeoutException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            Optional<ClusterTopology> t = topology();
            if (t.isPresent() && done.test(t.get())) {
                return t.get();
            }
            Thread.sleep(50); // polling a store read in the demo's own control loop, not a test wait
        }
        throw new TimeoutException("the topology did not reach the expected state within " + timeout);
    }

    /** Money in a bank: what the accounts hold, what left (debits), what came in (deposits), accounts below zero. */
    record Totals(long balances, long debited, long deposited, long negativeAccounts) {
        /** The bank invariant: nothing created, nothing destroyed. */
        boolean conserved(long opening) {
            return balances + debited - deposited == opening;
        }
    }

    /** The bank's totals, read on {@code node}. */
    static Totals totals(MariaDbNode node) throws SQLException {
        try (Connection c = node.connect("bank"); Statement st = c.createStatement()) {
            long balances;
            long negative;
            try (var rs = st.executeQuery("SELECT COALESCE(SUM(balance),0), COALESCE(SUM(balance < 0),0) FROM accounts")) {
                rs.next();
                balances = rs.getLong(1);
                negative = rs.getLong(2);
            }
            try (var rs = st.executeQuery("SELECT COALESCE(SUM(CASE WHEN kind = 'debit' THEN amount END),0),"
                    + " COALESCE(SUM(CASE WHEN kind = 'deposit' THEN amount END),0) FROM ledger")) {
                rs.next();
                return new Totals(balances, rs.getLong(1), rs.getLong(2), negative);
            }
        }
    }

    @Override
    public void close() {
        for (int i = clients.size() - 1; i >= 0; i--) {
            try {
                clients.get(i).close();
            } catch (Exception ignored) {
                // shutting down: nothing to do with a failure to close
            }
        }
        for (FailoverManager m : managers) {
            m.close();
        }
        observer.close();
        for (HttpServer s : appNodes.values()) {
            s.stop(0);
        }
        db.close();
        zk.close();
        net.close();
    }
}
