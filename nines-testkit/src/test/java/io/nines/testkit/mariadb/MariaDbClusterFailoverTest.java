package io.nines.testkit.mariadb;

import io.nines.mariadb.Gtid;
import io.nines.mariadb.GtidPosition;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.nines.testkit.EmbeddedMariaDb;
import java.net.ConnectException;
import java.net.Socket;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One story on one real cluster (db1 primary and db2 in zoneA, db3 in zoneB behind a cuttable relay):
 * replication, semi-sync, a link cut, a primary crash, promotion and re-pointing with {@link FailoverSql},
 * the old primary's return and rejoin, what switching semi-sync off does to waiting commits, and
 * errant-transaction detection. The tests run in order; each step builds on the previous one.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MariaDbClusterFailoverTest {

    private static final Logger LOG = LoggerFactory.getLogger(MariaDbClusterFailoverTest.class);
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final String ROOT = EmbeddedMariaDb.USER;
    private static final String APP = EmbeddedMariaDb.APP_USER;

    private RelayRouter router;
    private MariaDbCluster cluster;
    private MariaDbNode db1;
    private MariaDbNode db2;
    private MariaDbNode db3;

    @BeforeAll
    void startCluster() {
        router = new RelayRouter();
        long t0 = System.nanoTime();
        cluster = MariaDbCluster.builder()
                .node("db1", "zoneA").node("db2", "zoneA").node("db3", "zoneB")
                .primary("db1")
                .router(router)
                .semiSyncTimeout(Duration.ofSeconds(30))
                .start();
        LOG.info("3-node cluster started in {} ms", (System.nanoTime() - t0) / 1_000_000);
        db1 = cluster.node("db1");
        db2 = cluster.node("db2");
        db3 = cluster.node("db3");
    }

    @AfterAll
    void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
        if (router != null) {
            router.close();
        }
    }

    @Test
    @Order(1)
    void startsWithGtidSemiSyncAndReplicaLinksRoutedAcrossZones() throws Exception {
        assertThat(cluster.primary()).isSameAs(db1);
        assertThat(cluster.replicas()).containsExactly(db2, db3);
        assertThat(List.of(db1.serverId(), db2.serverId(), db3.serverId())).containsExactly(1L, 2L, 3L);
        for (MariaDbNode n : cluster.nodes()) {
            assertThat(n.globalVariable("gtid_strict_mode")).isEqualTo("ON");
            assertThat(n.globalVariable("log_slave_updates")).isEqualTo("ON");
            assertThat(n.globalVariable("binlog_format")).isEqualTo("ROW");
            assertThat(n.globalVariable("rpl_semi_sync_master_wait_point")).isEqualTo("AFTER_SYNC");
            assertThat(n.globalVariable("rpl_semi_sync_master_timeout")).isEqualTo("30000");
            assertThat(n.globalVariable("server_id")).isEqualTo(Long.toString(n.serverId()));
        }
        assertThat(db1.globalVariable("read_only")).isEqualTo("OFF");
        assertThat(db1.globalVariable("rpl_semi_sync_master_enabled")).isEqualTo("ON");
        assertThat(db1.globalStatus("Rpl_semi_sync_master_status")).isEqualTo("ON");
        assertThat(db1.globalStatus("Rpl_semi_sync_master_clients")).isEqualTo("2");
        assertThat(db1.replicaStatus()).isEmpty();
        for (MariaDbNode r : List.of(db2, db3)) {
            assertThat(r.globalVariable("read_only")).isEqualTo("ON");
            assertThat(r.globalVariable("rpl_semi_sync_master_enabled")).isEqualTo("OFF");
            assertThat(r.globalStatus("Rpl_semi_sync_slave_status")).isEqualTo("ON");
            ReplicaStatus s = r.replicaStatus().orElseThrow();
            assertThat(s.isIoRunning()).isTrue();
            assertThat(s.isSqlRunning()).isTrue();
            assertThat(s.usingGtid()).isEqualTo("Slave_Pos");
            assertThat(s.masterServerId()).isEqualTo(1);
        }
        // Same zone: straight to db1. Across zones: through the zoneB->zoneA relay.
        assertThat(db2.replicaStatus().orElseThrow().masterAddress()).isEqualTo(db1.address());
        TcpRelay link = router.relay("zoneB", "zoneA", db1.address());
        assertThat(db3.replicaStatus().orElseThrow().masterAddress()).isEqualTo(link.address())
                .isNotEqualTo(db1.address());
        assertThat(link.accepted()).isPositive();
        assertThat(db1.jdbcUrl("zoneA", "app")).isEqualTo("jdbc:mariadb://127.0.0.1:" + db1.address().getPort() + "/app");
        assertThat(db1.jdbcUrl("zoneB", "app")).isEqualTo("jdbc:mariadb://127.0.0.1:" + link.address().getPort() + "/app");
    }

    @Test
    @Order(2)
    void replicatesWritesAndGtidPositionsConverge() throws Exception {
        db1.execute("CREATE DATABASE app", "CREATE TABLE app.t (id INT PRIMARY KEY, v VARCHAR(40))");
        // A client in zoneB writes through its link, as the application user.
        try (Connection c = DriverManager.getConnection(db1.jdbcUrl("zoneB", "app"), APP, "");
             Statement s = c.createStatement()) {
            for (int i = 1; i <= 10; i++) {
                s.execute("INSERT INTO t VALUES (" + i + ", 'from zoneB')");
            }
        }
        cluster.awaitReplicasCaughtUp(WAIT);
        GtidPosition primaryPos = db1.gtidBinlogPos();
        assertThat(primaryPos.gtids()).singleElement().satisfies(g -> {
            assertThat(g.domainId()).isZero();
            assertThat(g.serverId()).isEqualTo(1);
            assertThat(g.seqNo()).as("2 DDL + 10 inserts; nothing else is binlogged").isEqualTo(12);
        });
        for (MariaDbNode r : List.of(db2, db3)) {
            assertThat(r.gtidCurrentPos()).isEqualTo(primaryPos);
            assertThat(r.gtidSlavePos()).isEqualTo(primaryPos);
            assertThat(r.gtidBinlogPos()).as("log_slave_updates").isEqualTo(primaryPos);
            assertThat(r.replicaStatus().orElseThrow().gtidIoPos()).isEqualTo(primaryPos);
            assertThat(r.queryString("SELECT COUNT(*) FROM app.t")).isEqualTo("10");
        }
    }

    @Test
    @Order(3)
    void aCommitOnThePrimaryIsAcknowledgedByAReplica() throws Exception {
        long yes = Long.parseLong(db1.globalStatus("Rpl_semi_sync_master_yes_tx"));
        long no = Long.parseLong(db1.globalStatus("Rpl_semi_sync_master_no_tx"));
        try (Connection c = DriverManager.getConnection(db1.jdbcUrl("zoneA", "app"), APP, "");
             Statement s = c.createStatement()) {
            s.execute("INSERT INTO t VALUES (11, 'acked')");
        }
        assertThat(Long.parseLong(db1.globalStatus("Rpl_semi_sync_master_yes_tx"))).isEqualTo(yes + 1);
        assertThat(Long.parseLong(db1.globalStatus("Rpl_semi_sync_master_no_tx"))).isEqualTo(no);
        cluster.awaitReplicasCaughtUp(WAIT);
    }

    @Test
    @Order(4)
    void readOnlyReplicasRefuseTheApplicationUser() throws Exception {
        try (Connection c = db2.connectAs(APP, "app"); Statement s = c.createStatement()) {
            assertThatThrownBy(() -> s.execute("INSERT INTO t VALUES (99, 'no')"))
                    .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getErrorCode()).isEqualTo(1290));
        }
        assertThat(db2.queryString("SELECT COUNT(*) FROM app.t WHERE id = 99")).isEqualTo("0");
    }

    @Test
    @Order(5)
    void cuttingTheCrossZoneLinkDisconnectsOnlyThatReplicaUntilHealed() throws Exception {
        long t0 = System.nanoTime();
        router.cut("zoneB", "zoneA");
        await().atMost(WAIT).untilAsserted(() -> {
            ReplicaStatus s = db3.replicaStatus().orElseThrow();
            assertThat(s.isIoRunning()).isFalse();
            assertThat(s.lastIoErrno()).isNotZero();
        });
        long replicaSawIt = System.nanoTime();
        // The primary notices later: its dump thread only finds the closed socket when a heartbeat
        // (every slave_net_timeout / 2) fails to be written.
        await().atMost(WAIT).until(() -> "1".equals(db1.globalStatus("Rpl_semi_sync_master_clients")));
        LOG.info("link cut: replica noticed after {} ms, primary's semi-sync client count after {} ms",
                (replicaSawIt - t0) / 1_000_000, (System.nanoTime() - t0) / 1_000_000);
        assertThat(db2.replicaStatus().orElseThrow().isIoRunning()).isTrue();
        db1.execute("INSERT INTO app.t VALUES (12, 'during the cut')"); // acknowledged by db2
        assertThat(db3.queryString("SELECT COUNT(*) FROM app.t WHERE id = 12")).isEqualTo("0");

        router.heal("zoneB", "zoneA");
        cluster.awaitReplicating(WAIT);
        cluster.awaitReplicasCaughtUp(WAIT);
        assertThat(db3.queryString("SELECT COUNT(*) FROM app.t WHERE id = 12")).isEqualTo("1");
    }

    @Test
    @Order(6)
    void killingThePrimaryRefusesConnectionsAndLeavesReplicasReconnecting() throws Exception {
        GtidPosition last = db1.gtidBinlogPos();
        db1.kill();
        assertThat(db1.isRunning()).isFalse();
        assertThatThrownBy(() -> {
            try (Socket s = new Socket()) {
                s.connect(db1.address(), 1000);
            }
        }).isInstanceOf(ConnectException.class);
        await().atMost(WAIT).untilAsserted(() -> {
            for (MariaDbNode r : List.of(db2, db3)) {
                ReplicaStatus s = r.replicaStatus().orElseThrow();
                assertThat(s.ioRunning()).isIn("Connecting", "No");
                assertThat(s.lastIoErrno()).isNotZero();
                assertThat(s.lastIoError()).isNotEmpty();
                assertThat(s.isSqlRunning()).isTrue();
                assertThat(s.gtidIoPos()).isEqualTo(last);
            }
        });
        LOG.info("replica status after the crash: {}", db2.replicaStatus().orElseThrow());
    }

    @Test
    @Order(7)
    void promotesTheMostAdvancedReplicaAndRepointsTheOther() throws Exception {
        // Most advanced by received GTIDs; on a tie, the old primary's zone.
        MariaDbNode candidate = List.of(db2, db3).stream()
                .max(Comparator.<MariaDbNode>comparingLong(n -> ioPos(n).seqNo(0).orElse(-1))
                        .thenComparing(n -> n.zone().equals("zoneA")))
                .orElseThrow();
        assertThat(candidate).isSameAs(db2);
        GtidPosition received = db2.replicaStatus().orElseThrow().gtidIoPos();
        assertThat(db2.queryString(FailoverSql.masterGtidWait(received, Duration.ofSeconds(10)))).isEqualTo("0");
        db2.execute(FailoverSql.promote());
        cluster.markPrimary("db2");
        db3.execute(FailoverSql.repoint(db2.addressFrom(db3.zone()), ROOT, ""));

        assertThat(db2.replicaStatus()).isEmpty();
        assertThat(db2.globalVariable("read_only")).isEqualTo("OFF");
        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(db2.globalStatus("Rpl_semi_sync_master_clients")).isEqualTo("1");
            assertThat(db3.replicaStatus().orElseThrow().isIoRunning()).isTrue();
        });
        ReplicaStatus s3 = db3.replicaStatus().orElseThrow();
        assertThat(s3.masterAddress()).isEqualTo(router.relay("zoneB", "zoneA", db2.address()).address());

        long yes = Long.parseLong(db2.globalStatus("Rpl_semi_sync_master_yes_tx"));
        try (Connection c = DriverManager.getConnection(db2.jdbcUrl("zoneA", "app"), APP, "");
             Statement s = c.createStatement()) {
            s.execute("INSERT INTO t VALUES (20, 'on the new primary')");
        }
        assertThat(Long.parseLong(db2.globalStatus("Rpl_semi_sync_master_yes_tx"))).isEqualTo(yes + 1);
        assertThat(db2.gtidBinlogPos().gtids()).singleElement().satisfies(g -> assertThat(g.serverId()).isEqualTo(2));
        cluster.awaitCaughtUp(WAIT, List.of(db3));
        assertThat(db3.queryString("SELECT v FROM app.t WHERE id = 20")).isEqualTo("on the new primary");
        assertThat(db3.replicaStatus().orElseThrow().masterServerId()).isEqualTo(2);
    }

    @Test
    @Order(8)
    void theOldPrimaryReturnsReadOnlyAndRejoinsAsAReplica() throws Exception {
        db1.restart();
        assertThat(db1.isRunning()).isTrue();
        assertThat(db1.globalVariable("read_only")).isEqualTo("ON");
        assertThat(db1.globalVariable("rpl_semi_sync_master_enabled")).isEqualTo("OFF");
        assertThat(db1.replicaStatus()).isEmpty();
        try (Connection c = db1.connectAs(APP, "app"); Statement s = c.createStatement()) {
            assertThatThrownBy(() -> s.execute("INSERT INTO t VALUES (30, 'split brain')"))
                    .isInstanceOf(SQLException.class);
        }
        // No errant transactions: everything db1 wrote reached db2.
        assertThat(db1.gtidBinlogState().missingFrom(db2.gtidBinlogState())).isEmpty();

        db1.execute(FailoverSql.demote(db2.addressFrom(db1.zone()), ROOT, ""));
        cluster.awaitReplicating(WAIT); // db1 and db3, both semi-sync clients of db2
        cluster.awaitReplicasCaughtUp(WAIT);
        assertThat(db1.queryString("SELECT v FROM app.t WHERE id = 20")).isEqualTo("on the new primary");
        assertThat(db1.gtidCurrentPos()).isEqualTo(db2.gtidBinlogPos());
        assertThat(db1.globalStatus("Rpl_semi_sync_slave_status")).isEqualTo("ON");
    }

    @Test
    @Order(9)
    void switchingSemiSyncOffReleasesWaitingCommitsButKillingTheSessionDoesNot() throws Exception {
        // No replica acknowledges: commits on db2 wait (up to the 30 s timeout).
        db1.execute("STOP SLAVE IO_THREAD");
        db3.execute("STOP SLAVE IO_THREAD");
        await().atMost(WAIT).until(() -> "0".equals(db2.globalStatus("Rpl_semi_sync_master_clients")));

        try (Connection a = db2.connectAs(APP, "app"); Connection b = db2.connectAs(APP, "app")) {
            long aId = connectionId(a);
            CompletableFuture<Void> killed = insertAsync(a, 40);
            await().atMost(WAIT).until(() -> "1".equals(db2.globalStatus("Rpl_semi_sync_master_wait_sessions")));
            assertThat(killed).isNotDone();
            db2.execute(FailoverSql.killConnection(aId));
            assertThatThrownBy(() -> killed.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class);
            // The client saw an error, yet the transaction is committed on db2 (it was in the binlog). With
            // AFTER_SYNC the engine commit of the killed session may land just after the client's error: await it.
            await().atMost(WAIT).until(() -> "1".equals(db2.queryString("SELECT COUNT(*) FROM app.t WHERE id = 40")));

            CompletableFuture<Void> released = insertAsync(b, 41);
            await().atMost(WAIT).until(() -> "1".equals(db2.globalStatus("Rpl_semi_sync_master_wait_sessions")));
            assertThat(released).isNotDone();
            db2.execute("SET GLOBAL rpl_semi_sync_master_enabled=OFF");
            released.get(10, TimeUnit.SECONDS); // OK for a commit no replica has
            assertThat(db3.queryString("SELECT COUNT(*) FROM app.t WHERE id = 41")).isEqualTo("0");
        }
        db2.execute("SET GLOBAL rpl_semi_sync_master_enabled=ON");
        db1.execute("START SLAVE IO_THREAD");
        db3.execute("START SLAVE IO_THREAD");
        cluster.awaitReplicating(WAIT);
        cluster.awaitReplicasCaughtUp(WAIT);
    }

    @Test
    @Order(10)
    void anErrantTransactionIsDetectedAndBlocksARejoin() throws Exception {
        // db1 (a replica) gets a local write: root ignores read_only.
        db1.execute("STOP SLAVE", "INSERT INTO app.t VALUES (50, 'errant')");
        GtidPosition db1State = db1.gtidBinlogState();
        List<Gtid> errant = db1State.missingFrom(db2.gtidBinlogState());
        assertThat(errant).singleElement().satisfies(g -> {
            assertThat(g.serverId()).isEqualTo(1);
            assertThat(g).isEqualTo(db1.gtidBinlogPos().gtids().getFirst());
        });
        // Rejoining anyway: db2 does not have db1's position in its binlog.
        db1.execute(FailoverSql.demote(db2.addressFrom(db1.zone()), ROOT, ""));
        await().atMost(WAIT).untilAsserted(() -> {
            ReplicaStatus s = db1.replicaStatus().orElseThrow();
            assertThat(s.isIoRunning()).isFalse();
            assertThat(s.lastIoErrno()).isEqualTo(1236);
            assertThat(s.lastIoError()).contains(errant.getFirst().toString()).contains("not in the master's binlog");
        });
    }

    private static GtidPosition ioPos(MariaDbNode n) {
        try {
            return n.replicaStatus().orElseThrow().gtidIoPos();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static long connectionId(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT CONNECTION_ID()")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static CompletableFuture<Void> insertAsync(Connection c, int id) {
        return CompletableFuture.runAsync(() -> {
            try (Statement s = c.createStatement()) {
                s.execute("INSERT INTO t VALUES (" + id + ", 'waits for an ack')");
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        }, r -> Thread.ofVirtual().start(r));
    }
}
