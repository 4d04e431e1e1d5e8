package io.nines.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.nines.core.Clock;
import io.nines.core.retry.RetryClassifier;
import io.nines.jdbc.NinesConnection.Purpose;
import io.nines.jdbc.island.IslandGuard;
import io.nines.testkit.EmbeddedMariaDb;
import io.nines.topology.ClusterTopology;
import io.nines.topology.ClusterTopology.Kind;
import io.nines.topology.Endpoint;
import io.nines.topology.Endpoint.Role;
import io.nines.topology.QuorumSignal;
import io.nines.topology.TopologyView;
import io.nines.topology.internal.QuorumState;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Routing and epochs on three real, standalone MariaDB servers, with a topology the test publishes itself through a
 * detached view. Replica lag comes from a probe the test controls (it still runs a real query on the replica); the
 * default probe ({@code SHOW SLAVE STATUS}) is tested on a real replication cluster in {@link ReplicaLagTest}.
 */
class NinesDataSourceRoutingTest {

    private static EmbeddedMariaDb db1;
    private static EmbeddedMariaDb db2;
    private static EmbeddedMariaDb db3;

    /** Simulated lag per server port; absent = unknown (not replicating). */
    private final Map<Integer, Duration> lag = new ConcurrentHashMap<>();
    private final List<NinesDataSourceEvent> events = new CopyOnWriteArrayList<>();
    private TopologyView view;
    private NinesDataSource ds;

    @BeforeAll
    static void startServers() {
        db1 = SharedMariaDb.start("db1");
        db2 = SharedMariaDb.start("db2");
        db3 = SharedMariaDb.start("db3");
    }

    @AfterAll
    static void stopServers() {
        for (EmbeddedMariaDb db : new EmbeddedMariaDb[] {db1, db2, db3}) {
            if (db != null) {
                db.close();
            }
        }
    }

    @BeforeEach
    void setUp() throws SQLException {
        for (EmbeddedMariaDb db : List.of(db1, db2, db3)) {
            try (Connection c = db.connect("app"); Statement st = c.createStatement()) {
                st.execute("CREATE OR REPLACE TABLE ledger (id VARCHAR(64) PRIMARY KEY, amount INT NOT NULL)");
            }
        }
        view = TopologyView.detached("orders-db");
    }

    @AfterEach
    void tearDown() {
        if (ds != null) {
            ds.close();
        }
    }

    private NinesDataSourceBuilder builder() {
        return NinesDataSource.builder("orders-db").topology(view).zone("zoneA").user("root").database("app")
                .poolSize(4).minIdle(0)
                .connectionTimeout(Duration.ofSeconds(1))
                .maxReplicaLag(Duration.ofSeconds(2))
                .replicaCheckInterval(Duration.ofMillis(100))
                .replicaLagProbe(c -> {
                    int port = port(c);
                    return Optional.ofNullable(lag.get(port));
                });
    }

    private NinesDataSource build(NinesDataSourceBuilder b) {
        ds = b.build();
        ds.events().subscribe(events::add);
        return ds;
    }

    private static Endpoint endpoint(String id, EmbeddedMariaDb db, String zone, Role role) {
        return Endpoint.of(id, db.host(), db.port(), zone, role);
    }

    /** db1 primary (zoneA), db2 replica (zoneA), db3 replica (zoneB). */
    private static ClusterTopology epoch1() {
        return ClusterTopology.of("orders-db", Kind.MARIADB, 1,
                endpoint("db1", db1, "zoneA", Role.PRIMARY),
                endpoint("db2", db2, "zoneA", Role.REPLICA),
                endpoint("db3", db3, "zoneB", Role.REPLICA));
    }

    private static int port(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT @@port")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private static int portOfNew(java.util.concurrent.Callable<Connection> borrow) throws Exception {
        try (Connection c = borrow.call()) {
            return port(c);
        }
    }

    private static boolean rowExists(EmbeddedMariaDb db, String id) throws SQLException {
        try (Connection c = db.connect("app"); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM ledger WHERE id = '" + id + "'")) {
            rs.next();
            return rs.getInt(1) == 1;
        }
    }

    @Test
    void aBorrowerWaitingOnADeadPrimaryMovesToTheNewOneWhenTheTopologyChanges() throws Exception {
        // A crashed primary: nothing listens on its port, so its pool can never hand out a connection.
        int deadPort = io.nines.testkit.FreePorts.loopback();
        build(builder().connectionTimeout(Duration.ofSeconds(30)));
        view.offer(ClusterTopology.of("orders-db", Kind.MARIADB, 1,
                Endpoint.of("db9", db1.host(), deadPort, "zoneA", Role.PRIMARY),
                endpoint("db2", db2, "zoneA", Role.REPLICA)));
        CompletableFuture<Integer> borrowed = new CompletableFuture<>();
        java.util.concurrent.atomic.AtomicBoolean leftInterrupted = new java.util.concurrent.atomic.AtomicBoolean();
        Thread borrower = Thread.ofPlatform().name("borrower").start(() -> {
            try {
                int port = portOfNew(ds::getConnection);
                leftInterrupted.set(Thread.currentThread().isInterrupted());
                borrowed.complete(port);
            } catch (Throwable t) {
                borrowed.completeExceptionally(t);
            }
        });
        await().atMost(Duration.ofSeconds(10)).until(() -> borrower.getState() == Thread.State.TIMED_WAITING);

        view.offer(ClusterTopology.of("orders-db", Kind.MARIADB, 2,
                Endpoint.of("db9", db1.host(), deadPort, "zoneA", Role.PRIMARY).withState(Endpoint.State.FENCED),
                endpoint("db2", db2, "zoneA", Role.PRIMARY)));

        // It does not sit out the 30 s connection timeout on the dead pool: it gets the new primary.
        assertThat(borrowed.get(10, TimeUnit.SECONDS)).isEqualTo(db2.port());
        assertThat(leftInterrupted).as("the wake-up is not left behind as an interrupt").isFalse();
    }

    @Test
    void writesGoToThePrimaryAndReadsToAHealthyLocalReplica() throws Exception {
        lag.put(db2.port(), Duration.ZERO);
        lag.put(db3.port(), Duration.ZERO);
        build(builder());
        view.offer(epoch1());
        await().atMost(Duration.ofSeconds(5)).until(() -> ds.healthyReplicas().size() == 2);

        try (Connection w = ds.getConnection()) {
            assertThat(port(w)).isEqualTo(db1.port());
            NinesConnection nc = w.unwrap(NinesConnection.class);
            assertThat(nc.epoch()).isEqualTo(1);
            assertThat(nc.endpoint().id()).isEqualTo("db1");
            assertThat(nc.purpose()).isEqualTo(Purpose.WRITE);
            assertThat(w.isReadOnly()).isFalse();
            try (Statement st = w.createStatement()) {
                assertThat(st.getConnection()).isSameAs(w);
                st.executeUpdate("INSERT INTO ledger VALUES ('w1', 5)");
            }
        }
        assertThat(rowExists(db1, "w1")).isTrue();
        for (int i = 0; i < 10; i++) {
            try (Connection r = ds.replicas().getConnection()) {
                assertThat(port(r)).isEqualTo(db2.port()); // the zoneA replica, never db3 in zoneB
                assertThat(((NinesConnection) r).purpose()).isEqualTo(Purpose.READ);
                assertThat(r.isReadOnly()).isTrue();
            }
        }
        assertThat(events).anySatisfy(e -> assertThat(e).isInstanceOfSatisfying(
                NinesDataSourceEvent.TopologyApplied.class, t -> {
                    assertThat(t.primary()).isEqualTo("db1");
                    assertThat(t.replicas()).containsExactly("db2", "db3");
                }));
    }

    @Test
    void aConnectAddressFunctionDecidesHowThisClientReachesEachEndpoint() throws Exception {
        // The topology publishes addresses this client cannot use (as behind NAT); the function maps them.
        int unused = io.nines.testkit.FreePorts.loopback();
        Map<String, EmbeddedMariaDb> real = Map.of("db1", db1, "db2", db2);
        view.offer(ClusterTopology.of("orders-db", Kind.MARIADB, 1,
                Endpoint.of("db1", "127.0.0.1", unused, "zoneA", Role.PRIMARY),
                Endpoint.of("db2", "127.0.0.1", unused, "zoneA", Role.REPLICA)));
        NinesDataSource ds = build(builder().connectAddress(e -> real.get(e.id()).address()));

        assertThat(portOfNew(ds::getConnection)).isEqualTo(db1.port());
    }

    @Test
    void readsSkipLaggingReplicasAndFallBackToThePrimary() throws Exception {
        lag.put(db2.port(), Duration.ofSeconds(10)); // over the 2 s bound
        lag.put(db3.port(), Duration.ofSeconds(1));
        build(builder());
        view.offer(epoch1());
        await().atMost(Duration.ofSeconds(5)).until(() -> ds.healthyReplicas().stream().map(Endpoint::id).toList()
                .equals(List.of("db3")));
        assertThat(portOfNew(ds::getReadConnection)).isEqualTo(db3.port()); // other zone rather than a lagging one

        lag.remove(db3.port()); // replication stopped: lag unknown
        await().atMost(Duration.ofSeconds(5)).until(() -> ds.healthyReplicas().isEmpty());
        assertThat(portOfNew(ds::getReadConnection)).isEqualTo(db1.port()); // the primary
        assertThat(events).anySatisfy(e -> assertThat(e).isInstanceOfSatisfying(
                NinesDataSourceEvent.ReplicaHealthChanged.class, h -> {
                    assertThat(h.replica()).isEqualTo("db2");
                    assertThat(h.healthy()).isFalse();
                    assertThat(h.lag()).isEqualTo(Duration.ofSeconds(10));
                }));

        lag.put(db2.port(), Duration.ZERO); // caught up
        await().atMost(Duration.ofSeconds(5)).until(() -> !ds.healthyReplicas().isEmpty());
        assertThat(portOfNew(ds::getReadConnection)).isEqualTo(db2.port());
    }

    @Test
    void aNewEpochMovesWritesAndRevokesConnectionsToTheFencedPrimary() throws Exception {
        lag.put(db2.port(), Duration.ZERO);
        build(builder());
        view.offer(epoch1());
        await().atMost(Duration.ofSeconds(5)).until(() -> !ds.healthyReplicas().isEmpty());

        // In flight on the old primary: an open transaction, a long statement, and a read on the replica-to-be.
        Connection tx = ds.getConnection();
        tx.setAutoCommit(false);
        try (Statement st = tx.createStatement()) {
            st.executeUpdate("INSERT INTO ledger VALUES ('t1', 7)");
        }
        Connection sleeper = ds.getConnection();
        CompletableFuture<Throwable> slept = CompletableFuture.supplyAsync(() -> {
            try (Statement st = sleeper.createStatement()) {
                st.executeQuery("SELECT SLEEP(30)");
                return null;
            } catch (Throwable t) {
                return t;
            }
        });
        Connection read = ds.getReadConnection();
        assertThat(port(read)).isEqualTo(db2.port());
        await().atMost(Duration.ofSeconds(5)).until(() -> processlistHasSleep(db1));

        long t0 = System.nanoTime();
        ClusterTopology epoch2 = epoch1().promote("db2"); // db2 primary, db1 PRIMARY but FENCED
        assertThat(view.offer(epoch2)).isTrue();

        // New connections go to the new primary at once.
        assertThat(portOfNew(ds::getConnection)).isEqualTo(db2.port());
        assertThat(ds.epoch()).isEqualTo(2);
        // The statement in flight on the fenced primary fails fast, outcome unknown (aborted).
        Throwable sleepError = slept.get(5, TimeUnit.SECONDS);
        System.out.println("MEASURED epoch change to aborted in-flight statement: "
                + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0) + " ms");
        assertThat(sleepError).isInstanceOfSatisfying(FailoverInProgressException.class, e -> {
            assertThat(e.reason()).isEqualTo(FailoverInProgressException.Reason.ABORTED);
            assertThat(e.getSQLState()).isEqualTo("08N03");
            assertThat(e.isUnsent()).isFalse();
            assertThat(e.endpoint()).isEqualTo("db1");
        });
        // The open transaction's next statement fails before it is sent; its commit too.
        assertThat(((NinesConnection) tx).isRevoked()).isTrue();
        assertThatThrownBy(() -> {
            try (Statement st = tx.createStatement()) {
                st.executeUpdate("INSERT INTO ledger VALUES ('t2', 7)");
            }
        }).isInstanceOfSatisfying(FailoverInProgressException.class, e -> {
            assertThat(e.reason()).isEqualTo(FailoverInProgressException.Reason.REVOKED);
            assertThat(e.getSQLState()).isEqualTo("08N02");
            assertThat(e.isUnsent()).isTrue();
            assertThat(e.epoch()).isEqualTo(2);
            assertThat(RetryClassifier.isTransient(e)).isTrue();
        });
        assertThatThrownBy(tx::commit).isInstanceOf(FailoverInProgressException.class);
        tx.rollback(); // a no-op that does not mask the caller's error
        tx.close();
        sleeper.close();
        // Nothing of the revoked transaction was committed on the old primary.
        await().atMost(Duration.ofSeconds(5)).until(() -> !rowExists(db1, "t1"));
        // A read connection on db2 was not taken away: db2 is still serving (now as the primary).
        assertThat(((NinesConnection) read).isRevoked()).isFalse();
        assertThat(port(read)).isEqualTo(db2.port());
        read.close();
        assertThat(events).anySatisfy(e -> assertThat(e).isInstanceOfSatisfying(
                NinesDataSourceEvent.ConnectionsRevoked.class, r -> {
                    assertThat(r.endpoint()).isEqualTo("db1");
                    assertThat(r.connections()).isEqualTo(2);
                    assertThat(r.epoch()).isEqualTo(2);
                }));

        // A lower epoch is never applied, even offered again.
        assertThat(view.offer(epoch1())).isFalse();
        assertThat(portOfNew(ds::getConnection)).isEqualTo(db2.port());
        // Reads never go to the fenced endpoint: db1 is neither a replica nor the primary any more.
        for (int i = 0; i < 5; i++) {
            assertThat(portOfNew(ds::getReadConnection)).isNotEqualTo(db1.port());
        }
    }

    private static boolean processlistHasSleep(EmbeddedMariaDb db) throws SQLException {
        return processlistRuns(db, "SELECT SLEEP(30)");
    }

    private static boolean processlistRuns(EmbeddedMariaDb db, String statementStart) throws SQLException {
        try (Connection c = db.connect("app");
             java.sql.PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM information_schema.PROCESSLIST"
                     + " WHERE INFO LIKE CONCAT(?, '%')")) {
            ps.setString(1, statementStart);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1) > 0;
            }
        }
    }

    @Test
    void noWritablePrimaryIsAFailoverInProgressWhileReadsGoOn() throws Exception {
        lag.put(db2.port(), Duration.ZERO);
        build(builder());
        ClusterTopology down = epoch1().withEndpoint(endpoint("db1", db1, "zoneA", Role.PRIMARY)
                .withState(Endpoint.State.DOWN));
        view.offer(down);
        await().atMost(Duration.ofSeconds(5)).until(() -> !ds.healthyReplicas().isEmpty());

        assertThatThrownBy(ds::getConnection).isInstanceOfSatisfying(FailoverInProgressException.class, e -> {
            assertThat(e.reason()).isEqualTo(FailoverInProgressException.Reason.NO_PRIMARY);
            assertThat(e.getSQLState()).isEqualTo("08N01");
            assertThat(e.isUnsent()).isTrue();
            assertThat(e.cluster()).isEqualTo("orders-db");
        });
        assertThat(portOfNew(ds::getReadConnection)).isEqualTo(db2.port());

        view.offer(epoch1().withEpoch(2)); // the manager published a primary again
        assertThat(portOfNew(ds::getConnection)).isEqualTo(db1.port());
    }

    @Test
    void noTopologyYetIsAFailoverInProgressAfterTheConnectionTimeout() {
        build(builder());
        long t0 = System.nanoTime();
        assertThatThrownBy(ds::getConnection).isInstanceOfSatisfying(FailoverInProgressException.class,
                e -> assertThat(e.epoch()).isEqualTo(-1));
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isBetween(900L, 3000L);
    }

    @Test
    void transactionsCommitOrRollBackAndRethrowTheCallersOwnException() throws Exception {
        build(builder().islandGuard(IslandGuard.disabled("none")));
        view.offer(epoch1());

        int result = ds.inTransaction(c -> {
            try (Statement st = c.createStatement()) {
                return st.executeUpdate("INSERT INTO ledger VALUES ('ok1', 1)");
            }
        });
        assertThat(result).isEqualTo(1);
        assertThat(rowExists(db1, "ok1")).isTrue();

        class InsufficientFunds extends Exception {
            private static final long serialVersionUID = 1L;
        }
        assertThatThrownBy(() -> ds.useGuardedTransaction(c -> {
            try (Statement st = c.createStatement()) {
                st.executeUpdate("INSERT INTO ledger VALUES ('no1', 1)");
            }
            throw new InsufficientFunds();
        })).isInstanceOf(InsufficientFunds.class);
        assertThat(rowExists(db1, "no1")).isFalse();

        ds.useGuardedTransaction(c -> {
            try (Statement st = c.createStatement()) {
                st.executeUpdate("INSERT INTO ledger VALUES ('g1', 1)");
            }
        });
        assertThat(rowExists(db1, "g1")).isTrue();
    }

    @Test
    void guardedOperationsWithoutAGuardAreAProgrammingError() {
        build(builder());
        view.offer(epoch1());
        assertThatThrownBy(ds::getGuardedConnection).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("no island guard configured");
    }

    /** A guard driven by {@code quorum} whose only peer never answers: losing the quorum makes an island. */
    private static IslandGuard unreachablePeerGuard(QuorumState quorum) {
        return IslandGuard.builder("orders-island").quorum(quorum).zone("zoneA")
                .peer("zoneB", "127.0.0.1", 1).storeSessionTimeout(Duration.ofSeconds(3))
                .doubleCheckTimeout(Duration.ofMillis(300)).probeTimeout(Duration.ofMillis(100)).build();
    }

    @Test
    void anIslandRefusesGuardedWorkAtBorrowStatementAndCommitButNotUnguardedWork() throws Exception {
        QuorumState quorum = new QuorumState(QuorumSignal.State.CONNECTED, Clock.system());
        try (IslandGuard guard = unreachablePeerGuard(quorum)) {
            build(builder().islandGuard(guard));
            view.offer(epoch1());
            assertThat(ds.islandGuard()).isSameAs(guard);

            Connection autoCommit = ds.getGuardedConnection();
            assertThat(((NinesConnection) autoCommit).purpose()).isEqualTo(Purpose.GUARDED);
            Connection tx = ds.getGuardedConnection();
            tx.setAutoCommit(false);
            try (Statement st = tx.createStatement()) {
                st.executeUpdate("INSERT INTO ledger VALUES ('before', 1)"); // begun before the island
            }
            Connection tx2 = ds.getGuardedConnection();
            tx2.setAutoCommit(false);
            try (Statement st = tx2.createStatement()) {
                st.executeUpdate("INSERT INTO ledger VALUES ('before2', 1)");
            }

            quorum.transition(QuorumSignal.State.SUSPENDED); // peers do not answer either: an island
            await().atMost(Duration.ofSeconds(3)).until(() -> guard.state() == IslandGuard.State.ISLAND);

            assertThatThrownBy(ds::getGuardedConnection).isInstanceOfSatisfying(IslandFencedSQLException.class,
                    e -> assertThat(e.getSQLState()).isEqualTo("NI001"));
            assertThatThrownBy(() -> ds.inGuardedTransaction(c -> 1)).isInstanceOf(IslandFencedSQLException.class);
            assertThatThrownBy(() -> {
                try (Statement st = autoCommit.createStatement()) {
                    st.executeUpdate("INSERT INTO ledger VALUES ('during', 1)");
                }
            }).isInstanceOf(IslandFencedSQLException.class);
            assertThatThrownBy(tx::commit).isInstanceOf(IslandFencedSQLException.class);
            assertThatThrownBy(() -> tx2.setAutoCommit(true)).isInstanceOf(IslandFencedSQLException.class);
            // Nothing of those was committed.
            assertThat(rowExists(db1, "before")).isFalse();
            assertThat(rowExists(db1, "before2")).isFalse();
            assertThat(rowExists(db1, "during")).isFalse();

            // Unguarded work goes on from the cached topology.
            ds.useTransaction(c -> {
                try (Statement st = c.createStatement()) {
                    st.executeUpdate("INSERT INTO ledger VALUES ('unguarded', 1)");
                }
            });
            assertThat(rowExists(db1, "unguarded")).isTrue();
            assertThat(portOfNew(ds::getReadConnection)).isEqualTo(db1.port()); // no replica healthy here

            quorum.transition(QuorumSignal.State.CONNECTED); // a view-fed data source has no store to re-read
            await().atMost(Duration.ofSeconds(3)).until(() -> guard.state() == IslandGuard.State.OK);
            // Guarded connections borrowed before the island were aborted when it was declared; new ones work.
            assertThatThrownBy(autoCommit::createStatement).isInstanceOf(IslandFencedSQLException.class);
            try (Connection c = ds.getGuardedConnection(); Statement st = c.createStatement()) {
                st.executeUpdate("INSERT INTO ledger VALUES ('after', 1)");
            }
            assertThat(rowExists(db1, "after")).isTrue();
            tx.close();
            tx2.close();
            autoCommit.close();
        }
    }

    /**
     * An isolated primary answers OK to a commit after its semi-sync timeout although no other zone has it; a commit
     * sent before the island was declared and answered after must not count as done. A slow auto-commit INSERT stands
     * in for that commit here: the declaration aborts the guarded connection and the caller is told the call was in
     * flight (outcome unknown, not done), instead of waiting for an OK it must not trust.
     */
    @Test
    void aGuardedCommitInFlightWhenTheIslandIsDeclaredIsRefusedAsInFlight() throws Exception {
        QuorumState quorum = new QuorumState(QuorumSignal.State.CONNECTED, Clock.system());
        try (IslandGuard guard = unreachablePeerGuard(quorum)) {
            build(builder().islandGuard(guard));
            view.offer(epoch1());
            try (Connection c = ds.getGuardedConnection()) {
                try (Statement st = c.createStatement()) {
                    st.executeUpdate("INSERT INTO ledger VALUES ('quick', 1)"); // no island: done
                }
                CompletableFuture<Throwable> slow = CompletableFuture.supplyAsync(() -> {
                    try (Statement st = c.createStatement()) {
                        st.executeUpdate("INSERT INTO ledger SELECT 'slow', 1 + SLEEP(2)");
                        return null;
                    } catch (Throwable t) {
                        return t;
                    }
                });
                await().atMost(Duration.ofSeconds(5)).until(() -> processlistRuns(db1, "INSERT INTO ledger SELECT 'slow'"));
                quorum.transition(QuorumSignal.State.LOST); // the lease is gone: an island at once
                await().atMost(Duration.ofSeconds(3)).until(() -> guard.state() == IslandGuard.State.ISLAND);

                assertThat(slow.get(10, TimeUnit.SECONDS)).isInstanceOfSatisfying(IslandFencedSQLException.class, e -> {
                    assertThat(e.wasInFlight()).isTrue();
                    assertThat(e.getSQLState()).isEqualTo("NI001");
                    assertThat(e.getMessage()).contains("in flight");
                });
                assertThat(rowExists(db1, "quick")).isTrue();
                assertThatThrownBy(ds::getGuardedConnection).isInstanceOfSatisfying(IslandFencedSQLException.class,
                        e -> assertThat(e.wasInFlight()).isFalse());
            }
        }
    }
}
