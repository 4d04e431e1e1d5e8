package io.nines.failover;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nines.failover.AuditEntry.Step;
import io.nines.testkit.mariadb.MariaDbNode;
import io.nines.topology.Endpoint;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
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
 * db1 (zone A) primary, db2 and db3 (zone B), one manager in zone M. In order: a replica whose replication was
 * stopped long before the primary died is never promoted; a second failure within the anti-flapping window is
 * refused (and the primary reopened when it returns); the old primary of the first failover rejoins.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RefusalsTest {

    private static final Logger LOG = LoggerFactory.getLogger(RefusalsTest.class);
    private static final Duration WAIT = Duration.ofSeconds(30);

    private Stack stack;
    private FailoverManager m;
    private Set<Long> written;

    @BeforeAll
    void start() throws Exception {
        Map<String, String> nodes = new LinkedHashMap<>();
        nodes.put("db1", "zoneA");
        nodes.put("db2", "zoneB");
        nodes.put("db3", "zoneB");
        stack = new Stack("ledger", nodes, "zoneM");
        m = stack.start(stack.config("mgr-a", "zoneM", "failover:\n  maxReplicationBroken: 2s\n"));
        await().atMost(WAIT).until(() -> !m.audit().entries(Step.LOSSLESS_OK).isEmpty());
    }

    @AfterAll
    void stop() {
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    @Order(1)
    void aReplicaWithReplicationBrokenForLongIsNeverPromoted() throws Exception {
        MariaDbNode db2 = stack.node("db2");
        db2.execute("STOP SLAVE IO_THREAD");
        long stoppedAt = System.nanoTime();
        written = Sql.insert(stack.node("db1"), 1, 50); // acknowledged by db3 only
        await().atMost(WAIT).until(() -> System.nanoTime() - stoppedAt > Duration.ofMillis(2500).toNanos());
        long epoch = stack.topology().epoch();
        stack.node("db1").kill();
        await().atMost(WAIT).until(() -> stack.topology().epoch() == epoch + 1);
        assertThat(stack.primaryName()).isEqualTo("db3");
        AuditEntry chosen = m.audit().entries(Step.CHOSEN).getLast();
        LOG.info("chosen: {}", chosen);
        assertThat(chosen.details().get("excluded db2")).startsWith("replication broken since")
                .contains("more than maxReplicationBroken 2s").contains("IO=No");
        assertThat(Sql.ids(stack.node("db3"))).containsAll(written);
        // db2 follows db3 now, but stays stopped as its operator left it.
        await().atMost(WAIT).untilAsserted(() -> {
            var s = db2.replicaStatus().orElseThrow();
            assertThat(s.masterAddress().getPort()).isEqualTo(stack.node("db3").address().getPort());
            assertThat(s.isIoRunning()).isFalse();
        });
        assertThat(db2.globalVariable("read_only")).isEqualTo("ON");
        assertThat(m.audit().entries(Step.REPOINT).getLast().message()).contains("db2").contains("left stopped");
    }

    @Test
    @Order(2)
    void aSecondFailureWithinTheAntiFlapWindowIsRefused() throws Exception {
        MariaDbNode db2 = stack.node("db2");
        db2.execute("START SLAVE");
        await().atMost(WAIT).until(() -> stack.replicatesFrom("db2", "db3"));
        long epoch = stack.topology().epoch();
        int before = m.audit().entries().size();
        stack.node("db3").kill();
        AuditEntry refused = await().atMost(WAIT).until(() -> m.audit().entries().stream().skip(before)
                .filter(e -> e.is(Step.REFUSED)).findFirst().orElse(null), e -> e != null);
        LOG.info("refused: {}", refused);
        assertThat(refused.message()).contains("anti-flapping: the last automatic failover (db1 -> db3, epoch " + epoch + ")")
                .contains("within the window of 10m");
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(4)).until(() -> stack.topology().epoch() == epoch);
        assertThat(db2.globalVariable("read_only")).isEqualTo("ON");
        assertThat(db2.replicaStatus()).isPresent();
        // The primary comes back (read-only, as every node starts): still the primary, so it is reopened.
        stack.node("db3").restart();
        await().atMost(WAIT).until(() -> "OFF".equals(stack.node("db3").globalVariable("read_only")));
        assertThat(m.audit().entries().stream().skip(before)).anyMatch(e -> e.is(Step.RECONCILE) && e.message().contains("opened it"))
                .anyMatch(e -> e.is(Step.PROBE_RECOVERED));
        assertThat(stack.topology().epoch()).isEqualTo(epoch);
        await().atMost(WAIT).until(() -> stack.replicatesFrom("db2", "db3"));
    }

    @Test
    @Order(3)
    void theOldPrimaryRejoinsAsAReplica() throws Exception {
        long epoch = stack.topology().epoch();
        MariaDbNode db1 = stack.node("db1");
        db1.restart();
        await().atMost(WAIT).until(() -> stack.topology().epoch() == epoch + 1);
        Endpoint e = stack.topology().endpoint("db1").orElseThrow();
        assertThat(e.role()).isEqualTo(Endpoint.Role.REPLICA);
        assertThat(e.state()).isEqualTo(Endpoint.State.UP);
        await().atMost(WAIT).until(() -> stack.replicatesFrom("db1", "db3"));
        Set<Long> more = Sql.insert(stack.node("db3"), 1000, 10);
        stack.db.markPrimary("db3");
        stack.db.awaitReplicasCaughtUp(WAIT);
        assertThat(Sql.ids(db1)).containsAll(written).containsAll(more);
        assertThat(m.audit().entries(Step.REJOIN).getLast().message()).startsWith("db1 came back without errant transactions");
    }
}
