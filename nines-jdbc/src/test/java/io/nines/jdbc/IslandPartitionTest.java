package io.nines.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.nines.jdbc.island.IslandGuard;
import io.nines.jdbc.island.IslandGuardConfig;
import io.nines.jdbc.island.IslandGuardEvent;
import io.nines.jdbc.island.PeerProbe;
import io.nines.testkit.EmbeddedMariaDb;
import io.nines.testkit.net.ZoneNetwork;
import io.nines.testkit.zookeeper.ZooKeeperEnsemble;
import io.nines.topology.ClusterTopology;
import io.nines.topology.ClusterTopology.Kind;
import io.nines.topology.Endpoint;
import io.nines.topology.Endpoint.Role;
import io.nines.topology.zookeeper.ZooKeeperTopologyStore;
import java.net.InetSocketAddress;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The island guard against real partitions: a 3-node ZooKeeper ensemble with one node per zone (zoneA, zoneB, zoneC)
 * whose peer and client links go through a {@link ZoneNetwork}; the client under test lives in zoneA and talks to the
 * zoneA ZooKeeper node only; its double check probes an application node (a tiny HTTP server) in zoneB through the
 * network. The MariaDB servers are reached directly (a zone partition leaves a same-zone primary reachable; the guard
 * is what stops writes there). A "manager" in zoneB publishes failovers through the majority. Timings are printed as
 * "MEASURED ..." lines.
 */
class IslandPartitionTest {

    private static final Duration SESSION = Duration.ofSeconds(4);
    private static final Duration DOUBLE_CHECK = Duration.ofSeconds(1);

    private static ZoneNetwork net;
    private static ZooKeeperEnsemble zk;
    private static EmbeddedMariaDb db1; // zoneA: the primary of epoch 1
    private static EmbeddedMariaDb db2; // zoneB: the primary after the failover
    private static TinyHttpServer appB; // an application node in zoneB
    private static TinyHttpServer appD; // an application node in zoneD, whose links the store cuts never touch
    private static ZooKeeperTopologyStore manager; // in zoneB

    private final List<AutoCloseable> closeAfter = new ArrayList<>();
    private final List<IslandGuardEvent> guardEvents = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        net = new ZoneNetwork();
        zk = ZooKeeperEnsemble.builder().node("zoneA").node("zoneB").node("zoneC").network(net).start();
        db1 = SharedMariaDb.start("db1");
        db2 = SharedMariaDb.start("db2");
        appB = new TinyHttpServer();
        appD = new TinyHttpServer();
        manager = ZooKeeperTopologyStore.builder(zk.connectString("zoneB")).sessionTimeout(SESSION)
                .connectionTimeout(Duration.ofSeconds(1)).build();
        assertThat(manager.awaitConnected(Duration.ofSeconds(20))).isTrue();
    }

    @AfterAll
    static void stop() throws Exception {
        for (AutoCloseable c : new AutoCloseable[] {manager, appB, appD, db1, db2, zk, net}) {
            if (c != null) {
                c.close();
            }
        }
    }

    @AfterEach
    void tearDown() throws Exception {
        for (int i = closeAfter.size() - 1; i >= 0; i--) {
            closeAfter.get(i).close();
        }
        net.heal();
        for (int id = 1; id <= 3; id++) {
            if (zk.state(id) == io.nines.testkit.zookeeper.NodeState.STOPPED) {
                zk.start(id);
            }
        }
        zk.awaitAllServing(Duration.ofSeconds(30));
    }

    /** A fresh cluster per test: accounts with a balance and a ledger of debits, on both servers. */
    private String newCluster(String name) throws SQLException {
        for (EmbeddedMariaDb db : List.of(db1, db2)) {
            try (Connection c = db.connect("app"); Statement st = c.createStatement()) {
                st.execute("CREATE OR REPLACE TABLE accounts (id INT PRIMARY KEY, balance INT NOT NULL)");
                st.execute("CREATE OR REPLACE TABLE ledger (id VARCHAR(64) PRIMARY KEY, account INT NOT NULL,"
                        + " amount INT NOT NULL)");
                st.execute("INSERT INTO accounts VALUES (1, 1000000)");
            }
        }
        manager.create(ClusterTopology.of(name, Kind.MARIADB, 1,
                Endpoint.of("db1", db1.host(), db1.port(), "zoneA", Role.PRIMARY),
                Endpoint.of("db2", db2.host(), db2.port(), "zoneB", Role.REPLICA)));
        return name;
    }

    /** The zoneA client: its own store session on the zoneA ZooKeeper node only, and a data source with a guard. */
    private NinesDataSource zoneAClient(String cluster, String peerZone, InetSocketAddress peer) throws Exception {
        return zoneAClient(cluster, peerZone, peer, SESSION);
    }

    private NinesDataSource zoneAClient(String cluster, String peerZone, InetSocketAddress peer, Duration session)
            throws Exception {
        ZooKeeperTopologyStore store = ZooKeeperTopologyStore.builder(zk.connectString("zoneA", 1))
                .sessionTimeout(session).connectionTimeout(Duration.ofSeconds(1)).build();
        closeAfter.add(store);
        assertThat(store.awaitConnected(Duration.ofSeconds(20))).isTrue();
        IslandGuardConfig guard = IslandGuard.builder("unused").zone("zoneA")
                .peer(peerZone, net.route("zoneA", peerZone, peer))
                .probe(PeerProbe.httpGet("/health"))
                .storeSessionTimeout(session).doubleCheckTimeout(DOUBLE_CHECK)
                .probeTimeout(Duration.ofMillis(300)).recheckInterval(Duration.ofMillis(300))
                .config();
        NinesDataSource ds = NinesDataSource.builder(cluster).topology(store).zone("zoneA").user("root")
                .database("app").poolSize(4).minIdle(1).connectionTimeout(Duration.ofSeconds(1))
                .islandGuard(guard).build();
        closeAfter.add(ds);
        ds.islandGuard().events().subscribe(guardEvents::add);
        await().atMost(Duration.ofSeconds(10)).until(() -> ds.epoch() == 1);
        assertThat(ds.islandGuard().state()).isEqualTo(IslandGuard.State.OK);
        return ds;
    }

    private static int debit(Connection c, String id) throws SQLException {
        try (Statement st = c.createStatement()) {
            int n = st.executeUpdate("UPDATE accounts SET balance = balance - 1 WHERE id = 1 AND balance >= 1");
            if (n == 1) {
                st.executeUpdate("INSERT INTO ledger VALUES ('" + id + "', 1, 1)");
            }
            return n;
        }
    }

    private static int guardedDebit(NinesDataSource ds, String id) throws SQLException {
        return ds.inGuardedTransaction(c -> debit(c, id));
    }

    private static int port(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT @@port")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private static long count(EmbeddedMariaDb db, String sql) throws SQLException {
        try (Connection c = db.connect("app"); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** Guarded debits in a loop (paced, as a shop's traffic), recording every acknowledgement and refusal. */
    private static final class DebitLoad implements AutoCloseable {
        final Queue<String> acked = new ConcurrentLinkedQueue<>();
        final AtomicLong lastAckNanos = new AtomicLong();
        final AtomicLong firstRefusalNanos = new AtomicLong();
        final AtomicInteger refusals = new AtomicInteger();
        final AtomicInteger otherErrors = new AtomicInteger();
        private final AtomicBoolean stop = new AtomicBoolean();
        private final Thread thread;

        DebitLoad(NinesDataSource ds, String prefix) {
            AtomicInteger seq = new AtomicInteger();
            thread = Thread.ofPlatform().name("debits " + prefix).start(() -> {
                while (!stop.get()) {
                    String id = prefix + "-" + seq.incrementAndGet();
                    try {
                        if (ds.inGuardedTransaction(c -> debit(c, id)) == 1) {
                            lastAckNanos.set(System.nanoTime());
                            acked.add(id);
                        }
                    } catch (IslandFencedSQLException e) {
                        firstRefusalNanos.compareAndSet(0, System.nanoTime());
                        refusals.incrementAndGet();
                    } catch (SQLException e) {
                        otherErrors.incrementAndGet();
                    }
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10)); // pacing, not waiting for a condition
                }
            });
        }

        @Override
        public void close() {
            stop.set(true);
            try {
                thread.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Test
    void isolatingThePrimaryZoneRefusesGuardedWritesBeforeTheOtherZonePromotes() throws Exception {
        String cluster = newCluster("orders-partition");
        NinesDataSource ds = zoneAClient(cluster, "zoneB", appB.address());
        IslandGuard guard = ds.islandGuard();
        Duration bound = guard.declarationBound();
        assertThat(bound).isEqualTo(SESSION.plus(DOUBLE_CHECK));

        DebitLoad load = new DebitLoad(ds, "a");
        closeAfter.add(load);
        await().atMost(Duration.ofSeconds(10)).until(() -> load.acked.size() >= 10);
        // A guarded transaction begun before the island, to be committed after it.
        Connection tx = ds.getGuardedConnection();
        closeAfter.add(tx);
        tx.setAutoCommit(false);
        try (Statement st = tx.createStatement()) { // another account: the load's row lock stays free
            st.executeUpdate("INSERT INTO ledger VALUES ('straddling', 2, 1)");
        }

        long cutAt = System.nanoTime();
        net.partition("zoneA");

        await().atMost(bound.plusSeconds(5)).until(() -> guard.state() == IslandGuard.State.ISLAND);
        long islandAt = System.nanoTime();
        await().atMost(Duration.ofSeconds(5)).until(() -> load.firstRefusalNanos.get() != 0);
        long suspectedAt = guardEvents.stream().filter(IslandGuardEvent.Suspected.class::isInstance).findFirst()
                .map(IslandGuardEvent::timeMillis).orElseThrow();
        long declaredAt = guardEvents.stream().filter(IslandGuardEvent.Declared.class::isInstance).findFirst()
                .map(IslandGuardEvent::timeMillis).orElseThrow();
        System.out.println("MEASURED partition of the primary zone to SUSPENDED (store session " + SESSION.toMillis()
                + " ms): " + (suspectedAt - (System.currentTimeMillis() - TimeUnit.NANOSECONDS.toMillis(
                System.nanoTime() - cutAt))) + " ms");
        System.out.println("MEASURED SUSPENDED to ISLAND (double check " + DOUBLE_CHECK.toMillis() + " ms): "
                + (declaredAt - suspectedAt) + " ms");
        System.out.println("MEASURED partition of the primary zone to ISLAND: "
                + TimeUnit.NANOSECONDS.toMillis(islandAt - cutAt) + " ms (declaration bound " + bound.toMillis() + " ms)");
        System.out.println("MEASURED partition of the primary zone to first refused guarded debit: "
                + TimeUnit.NANOSECONDS.toMillis(load.firstRefusalNanos.get() - cutAt) + " ms");
        assertThat(load.firstRefusalNanos.get() - cutAt).isLessThan(bound.toNanos());
        assertThat(guard.reason()).isEqualTo(IslandGuard.Reason.NO_PEER_ANSWERED);

        // The transaction begun before the island cannot commit after it: refused, rolled back.
        assertThatThrownBy(tx::commit).isInstanceOf(IslandFencedSQLException.class);
        assertThat(count(db1, "SELECT COUNT(*) FROM ledger WHERE id = 'straddling'")).isZero();

        // Unguarded work goes on from the cached topology: reads, and writes that are safe to accept.
        assertThat(ds.epoch()).isEqualTo(1);
        try (Connection c = ds.getReadConnection()) {
            assertThat(port(c)).isEqualTo(db1.port());
        }
        ds.useTransaction(c -> {
            try (Statement st = c.createStatement()) {
                st.executeUpdate("INSERT INTO ledger VALUES ('unguarded-during-island', 2, 0)");
            }
        });

        // The manager in zoneB could not fence db1; it waits the declaration bound after the cut (the last moment
        // zoneA could reach the store), then promotes db2.
        await().pollInterval(Duration.ofMillis(50)).atMost(bound.plusSeconds(5))
                .until(() -> System.nanoTime() - cutAt >= bound.toNanos());
        ClusterTopology current = manager.get(cluster).orElseThrow();
        assertThat(manager.compareAndSet(cluster, current.epoch(), current.promote("db2"))).isTrue();
        long promotedAt = System.nanoTime();
        // Zero over-deductions: no guarded debit was acknowledged in zoneA after the cut's bound, let alone after
        // the promotion; and every acknowledged debit is in db1's ledger (none lost), money conserved on db1.
        int refusedAtPromotion = load.refusals.get();
        await().atMost(Duration.ofSeconds(5)).until(() -> load.refusals.get() >= refusedAtPromotion + 5); // still refusing
        assertThat(load.lastAckNanos.get()).isLessThan(cutAt + bound.toNanos()).isLessThan(promotedAt);
        List<String> ackedBeforeHeal = List.copyOf(load.acked);
        for (String id : ackedBeforeHeal) {
            assertThat(count(db1, "SELECT COUNT(*) FROM ledger WHERE id = '" + id + "'")).as(id).isOne();
        }
        assertThat(count(db1, "SELECT balance + (SELECT COUNT(*) FROM ledger WHERE account = 1) FROM accounts"))
                .isEqualTo(1_000_000);
        assertThat(load.otherErrors).hasValue(0);

        long healAt = System.nanoTime();
        net.heal();
        await().atMost(Duration.ofSeconds(30)).until(() -> ds.epoch() == 2
                && guard.state() == IslandGuard.State.OK);
        int ackedAtHeal = load.acked.size();
        await().atMost(Duration.ofSeconds(20)).until(() -> load.acked.size() > ackedAtHeal);
        System.out.println("MEASURED heal to guarded debits accepted again (on the new primary): "
                + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - healAt) + " ms");
        System.out.println("MEASURED island guard events: " + guardEvents.stream()
                .map(e -> e.getClass().getSimpleName() + "@" + (e.timeMillis() - suspectedAt) + "ms").toList());
        load.close();
        try (Connection c = ds.getGuardedConnection()) {
            assertThat(port(c)).isEqualTo(db2.port());
        }
        // After the heal, new debits went to db2 only; db1 got nothing after the cut's bound.
        List<String> after = List.copyOf(load.acked).subList(ackedBeforeHeal.size(), load.acked.size());
        assertThat(after).isNotEmpty().allSatisfy(id -> {
            assertThat(count(db2, "SELECT COUNT(*) FROM ledger WHERE id = '" + id + "'")).isOne();
            assertThat(count(db1, "SELECT COUNT(*) FROM ledger WHERE id = '" + id + "'")).isZero();
        });
        System.out.println("MEASURED partition drill: " + ackedBeforeHeal.size() + " debits acked before the cut's"
                + " bound, " + load.refusals.get() + " refused during the island, " + after.size() + " acked after the"
                + " heal on the new primary, 0 lost, 0 acked after the promotion in the isolated zone");
    }

    @Test
    void aStoreBlipWithTheOtherZoneReachableIsNotAnIsland() throws Exception {
        String cluster = newCluster("orders-blip");
        // A restarted ZooKeeper node rejoins in 0.5-4 s here (a re-election through the relays can cost initLimit
        // ticks): a session long enough that the blip stays shorter than it.
        Duration session = Duration.ofSeconds(8);
        NinesDataSource ds = zoneAClient(cluster, "zoneB", appB.address(), session);
        IslandGuard guard = ds.islandGuard();

        long t0 = System.nanoTime();
        zk.stop(1); // the zoneA ZooKeeper node, the only one this client knows
        await().atMost(Duration.ofSeconds(5)).until(() -> guardEvents.stream()
                .anyMatch(IslandGuardEvent.PeerAnswered.class::isInstance));
        assertThat(guard.state()).isEqualTo(IslandGuard.State.SUSPECTED);
        // Guarded work goes on while it is only a blip.
        assertThat(guardedDebit(ds, "during-blip")).isEqualTo(1);

        zk.start(1);
        await().atMost(session).until(() -> guard.state() == IslandGuard.State.OK);
        long blipMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        System.out.println("MEASURED store blip (zoneA ZooKeeper node stopped and restarted): " + blipMillis
                + " ms, no island; events " + guardEvents.stream().map(e -> e.getClass().getSimpleName()).toList());
        assertThat(blipMillis).isLessThan(session.toMillis());
        assertThat(guardEvents).noneMatch(IslandGuardEvent.Declared.class::isInstance);
        assertThat(guardedDebit(ds, "after-blip")).isEqualTo(1);
    }

    @Test
    void losingTheStoreForASessionTimeoutWhileOtherZonesAnswerExpiresTheLease() throws Exception {
        String cluster = newCluster("orders-lease");
        // The peer lives in zoneD: cutting zoneA from the store's zones leaves it reachable (an asymmetric partition).
        NinesDataSource ds = zoneAClient(cluster, "zoneD", appD.address());
        IslandGuard guard = ds.islandGuard();

        net.cut("zoneA", "zoneB");
        net.cut("zoneA", "zoneC");
        await().atMost(Duration.ofSeconds(10)).until(() -> guard.state() == IslandGuard.State.SUSPECTED);
        long suspected = System.nanoTime();
        await().atMost(Duration.ofSeconds(5)).until(() -> guardEvents.stream()
                .anyMatch(IslandGuardEvent.PeerAnswered.class::isInstance));
        assertThat(guardedDebit(ds, "while-peers-answer")).isEqualTo(1);

        await().atMost(SESSION.plusSeconds(3)).until(() -> guard.state() == IslandGuard.State.ISLAND);
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - suspected);
        System.out.println("MEASURED store lost with peers answering, SUSPENDED to ISLAND (lease expired, session "
                + SESSION.toMillis() + " ms): " + millis + " ms; fence bound " + guard.fenceBound().toMillis() + " ms");
        assertThat(guard.reason()).isEqualTo(IslandGuard.Reason.LEASE_EXPIRED);
        assertThat(millis).isLessThan(SESSION.toMillis() + 1_000);
        assertThatThrownBy(() -> ds.inGuardedTransaction(c -> debit(c, "after-lease"))).isInstanceOf(
                IslandFencedSQLException.class);
        assertThat(guard.config().peers()).allMatch(p -> p.zone().equals("zoneD"));

        net.heal();
        await().atMost(Duration.ofSeconds(30)).until(() -> guard.state() == IslandGuard.State.OK);
        await().atMost(Duration.ofSeconds(10)).ignoreExceptions()
                .until(() -> guardedDebit(ds, "after-heal") == 1);
    }
}
