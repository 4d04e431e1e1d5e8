package io.nines.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nines.testkit.mariadb.MariaDbCluster;
import io.nines.testkit.mariadb.MariaDbNode;
import io.nines.topology.ClusterTopology;
import io.nines.topology.ClusterTopology.Kind;
import io.nines.topology.Endpoint;
import io.nines.topology.Endpoint.Role;
import io.nines.topology.TopologyView;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The default lag probe ({@code SHOW SLAVE STATUS}) on a real GTID replication cluster: db1 primary, db2 replica. */
class ReplicaLagTest {

    private static MariaDbCluster cluster;
    private final List<NinesDataSourceEvent> events = new CopyOnWriteArrayList<>();
    private NinesDataSource ds;

    @BeforeAll
    static void start() throws SQLException {
        cluster = MariaDbCluster.builder().binaries(SharedMariaDb.binaries())
                .node("db1", "zoneA").node("db2", "zoneA").primary("db1").start();
        cluster.primary().execute("CREATE DATABASE app", "CREATE TABLE app.t (id INT PRIMARY KEY)");
        cluster.awaitReplicasCaughtUp(Duration.ofSeconds(10));
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @AfterEach
    void tearDown() throws SQLException {
        if (ds != null) {
            ds.close();
        }
        cluster.node("db2").execute("STOP SLAVE", "CHANGE MASTER TO MASTER_DELAY=0", "START SLAVE");
        cluster.awaitReplicasCaughtUp(Duration.ofSeconds(20));
    }

    private NinesDataSource dataSource(String user) {
        TopologyView view = TopologyView.detached("orders-db");
        MariaDbNode db1 = cluster.node("db1");
        MariaDbNode db2 = cluster.node("db2");
        view.offer(ClusterTopology.of("orders-db", Kind.MARIADB, 1,
                Endpoint.of("db1", db1.address().getHostString(), db1.address().getPort(), "zoneA", Role.PRIMARY),
                Endpoint.of("db2", db2.address().getHostString(), db2.address().getPort(), "zoneA", Role.REPLICA)));
        ds = NinesDataSource.builder("orders-db").topology(view).zone("zoneA").user(user).database("app")
                .poolSize(3).minIdle(0).maxReplicaLag(Duration.ofSeconds(2))
                .replicaCheckInterval(Duration.ofMillis(200)).build();
        ds.events().subscribe(events::add);
        return ds;
    }

    private static long serverId(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT @@server_id")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private long readServer() throws SQLException {
        try (Connection c = ds.getReadConnection()) {
            return serverId(c);
        }
    }

    @Test
    void readsFollowReplicationHealthAndLag() throws Exception {
        dataSource("root");
        long primary = cluster.node("db1").serverId();
        long replica = cluster.node("db2").serverId();
        await().atMost(Duration.ofSeconds(10)).until(() -> !ds.healthyReplicas().isEmpty());
        assertThat(readServer()).isEqualTo(replica);
        try (Connection w = ds.getConnection(); Statement st = w.createStatement()) {
            assertThat(serverId(w)).isEqualTo(primary);
            st.executeUpdate("INSERT INTO t VALUES (1)");
        }

        // Replication stopped: Seconds_Behind_Master is NULL, the replica gets no reads, the primary serves them.
        cluster.node("db2").execute("STOP SLAVE");
        await().atMost(Duration.ofSeconds(5)).until(() -> ds.healthyReplicas().isEmpty());
        assertThat(readServer()).isEqualTo(primary);
        cluster.node("db2").execute("START SLAVE");
        await().atMost(Duration.ofSeconds(10)).until(() -> !ds.healthyReplicas().isEmpty());
        assertThat(readServer()).isEqualTo(replica);

        // Real lag: delayed replication holds every event 30 s; once a write is waiting, the lag passes the bound.
        cluster.node("db2").execute("STOP SLAVE", "CHANGE MASTER TO MASTER_DELAY=30", "START SLAVE");
        try (Connection w = ds.getConnection(); Statement st = w.createStatement()) {
            st.executeUpdate("INSERT INTO t VALUES (2)");
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> ds.healthyReplicas().isEmpty());
        assertThat(readServer()).isEqualTo(primary);
        assertThat(events).anySatisfy(e -> assertThat(e).isInstanceOfSatisfying(
                NinesDataSourceEvent.ReplicaHealthChanged.class, h -> {
                    assertThat(h.healthy()).isFalse();
                    assertThat(h.lag()).isGreaterThan(Duration.ofSeconds(2));
                }));
    }

    @Test
    void withoutTheMonitorPrivilegeReplicasGetNoReads() throws Exception {
        dataSource("app"); // the test kit's application user: no REPLICA MONITOR privilege
        await().atMost(Duration.ofSeconds(5)).until(() -> events.stream()
                .anyMatch(e -> e instanceof NinesDataSourceEvent.ReplicaHealthChanged h && !h.healthy()));
        assertThat(events).filteredOn(NinesDataSourceEvent.ReplicaHealthChanged.class::isInstance)
                .allSatisfy(e -> assertThat(((NinesDataSourceEvent.ReplicaHealthChanged) e).detail())
                        .contains("probe failed"));
        assertThat(readServer()).isEqualTo(cluster.node("db1").serverId());
    }
}
