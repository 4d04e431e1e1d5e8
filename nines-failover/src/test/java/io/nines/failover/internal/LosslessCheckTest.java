package io.nines.failover.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.nines.failover.FailoverConfig;
import io.nines.failover.Finding;
import io.nines.failover.Finding.Severity;
import io.nines.failover.NodeSample;
import io.nines.failover.NodeVariables;
import io.nines.failover.Reach;
import io.nines.failover.ReplicaStatus;
import io.nines.mariadb.GtidPosition;
import io.nines.topology.ClusterTopology;
import io.nines.topology.Endpoint;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The primary's semi-sync findings: a primary promoted with nobody to acknowledge, and its return to waiting. */
class LosslessCheckTest {

    static final FailoverConfig CONFIG = FailoverConfig.parse("""
            cluster: orders-db
            nodes:
              - {name: db1, host: 127.0.0.1, port: 3306, zone: a}
              - {name: db2, host: 127.0.0.1, port: 3307, zone: b}
            credentials: {user: root, password: ''}
            store: {zookeeper: '127.0.0.1:2181', sessionTimeout: 4s}
            manager: {id: mgr-a, zone: a}
            failover: {semiSyncTimeout: 30s}
            """, "failover.yaml");

    static final Endpoint DB1 = Endpoint.of("db1", "127.0.0.1", 3306, "a", Endpoint.Role.PRIMARY);
    static final Endpoint DB2 = Endpoint.of("db2", "127.0.0.1", 3307, "b", Endpoint.Role.REPLICA);
    static final ClusterTopology ALONE = ClusterTopology.of("orders-db", ClusterTopology.Kind.MARIADB, 3, DB1);
    static final ClusterTopology WITH_REPLICA = ClusterTopology.of("orders-db", ClusterTopology.Kind.MARIADB, 3, DB1, DB2);

    /** A primary (AFTER_SYNC, 30 s timeout) with semi-sync master on or off and {@code clients} acknowledgers. */
    static NodeSample primary(boolean semiSync, boolean waitNoSlave, int clients) {
        GtidPosition pos = GtidPosition.parse("0-1-10");
        NodeVariables v = new NodeVariables(1, false, pos, pos, pos, GtidPosition.parse(""), true, true, true, semiSync,
                false, "AFTER_SYNC", 30_000, waitNoSlave, semiSync && clients > 0, clients, false, "10.11.5-MariaDB-log");
        return new NodeSample("db1", 0, 1, 0, Reach.OK, "", 1, v, null);
    }

    /** db2 replicating from db1 with acknowledgement on, heartbeat as configured. */
    static NodeSample acknowledgingReplica() {
        NodeVariables v = Fixtures.vars(2, "0-1-10", "0-1-10");
        ReplicaStatus r = new ReplicaStatus("Yes", "Yes", "", "127.0.0.1", 3306, 1, "Slave_Pos",
                GtidPosition.parse("0-1-10"), 0L, 0, "", 0, "", "mariadb-bin.000001", 1000, 10, 0.25);
        return new NodeSample("db2", 0, 1, 0, Reach.OK, "", 1, v, r);
    }

    @Test
    void aPrimaryPromotedAloneRunsAsyncWithAWarningAndNoFix() {
        List<Finding> findings = LosslessCheck.check(ALONE, Map.of("db1", primary(false, true, 0)), CONFIG);
        assertThat(findings).extracting(Finding::key).containsExactly("db1/semi_sync_alone");
        assertThat(findings.get(0).severity()).isEqualTo(Severity.WARN);
        assertThat(findings.get(0).fix()).isEmpty();
    }

    @Test
    void onceAnAcknowledgerIsConnectedSemiSyncIsSwitchedOn() {
        List<Finding> findings = LosslessCheck.check(WITH_REPLICA,
                Map.of("db1", primary(false, true, 0), "db2", acknowledgingReplica()), CONFIG);
        assertThat(findings).extracting(Finding::key).containsExactly("db1/semi_sync_master");
        assertThat(findings.get(0).severity()).isEqualTo(Severity.ERROR);
        assertThat(findings.get(0).fix()).contains("SET GLOBAL rpl_semi_sync_master_enabled=ON",
                "SET GLOBAL rpl_semi_sync_master_wait_no_slave=ON", "SET GLOBAL rpl_semi_sync_master_timeout=30000");
    }

    @Test
    void aPrimaryThatStopsWaitingWhenItsAcknowledgersLeaveIsAnError() {
        List<Finding> findings = LosslessCheck.check(WITH_REPLICA,
                Map.of("db1", primary(true, false, 1), "db2", acknowledgingReplica()), CONFIG);
        assertThat(findings).extracting(Finding::key).containsExactly("db1/semi_sync_wait_no_slave");
        assertThat(findings.get(0).fix()).containsExactly("SET GLOBAL rpl_semi_sync_master_wait_no_slave=ON");
    }

    @Test
    void aPrimaryThatWaitsWithAnAcknowledgerIsFine() {
        assertThat(LosslessCheck.check(WITH_REPLICA,
                Map.of("db1", primary(true, true, 1), "db2", acknowledgingReplica()), CONFIG)).isEmpty();
    }

    @Test
    void aPrimaryThatWaitsWithNobodyConnectedHasFallenBackToAsync() {
        assertThat(LosslessCheck.check(ALONE, Map.of("db1", primary(true, true, 0)), CONFIG))
                .extracting(Finding::key).containsExactly("db1/semi_sync_status");
    }
}
