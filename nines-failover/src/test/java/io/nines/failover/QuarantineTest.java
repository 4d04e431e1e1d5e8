package io.nines.failover;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nines.failover.AuditEntry.Step;
import io.nines.testkit.mariadb.MariaDbNode;
import io.nines.topology.Endpoint;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
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
 * A manager with {@code rejoin: quarantine} and no anti-flapping window: the returning old primary is
 * quarantined; then errant transactions on the only (most advanced) replica refuse the next failover.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class QuarantineTest {

    private static final Logger LOG = LoggerFactory.getLogger(QuarantineTest.class);
    private static final Duration WAIT = Duration.ofSeconds(30);

    private Stack stack;
    private FailoverManager m;

    @BeforeAll
    void start() throws Exception {
        Map<String, String> nodes = new LinkedHashMap<>();
        nodes.put("db1", "zoneA");
        nodes.put("db2", "zoneB");
        nodes.put("db3", "zoneB");
        stack = new Stack("payments", nodes, "zoneM");
        m = stack.start(stack.config("mgr-q", "zoneM", "failover:\n  rejoin: quarantine\n  antiFlapWindow: 0s\n"));
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
    void aReturningOldPrimaryIsQuarantinedByPolicy() throws Exception {
        Sql.insert(stack.node("db1"), 1, 20);
        long epoch = stack.topology().epoch();
        stack.node("db1").kill();
        await().atMost(WAIT).until(() -> stack.topology().epoch() == epoch + 1);
        String primary = stack.primaryName();
        assertThat(primary).isIn("db2", "db3");
        MariaDbNode db1 = stack.node("db1");
        db1.restart();
        await().atMost(WAIT).until(() -> stack.topology().epoch() == epoch + 2);
        Endpoint e = stack.topology().endpoint("db1").orElseThrow();
        assertThat(e.state()).isEqualTo(Endpoint.State.QUARANTINED);
        assertThat(e.isFenced()).isTrue();
        assertThat(db1.globalVariable("read_only")).isEqualTo("ON");
        assertThat(db1.replicaStatus()).isEmpty();
        assertThat(m.audit().entries(Step.QUARANTINE).getLast().message())
                .isEqualTo("db1 quarantined (read-only, not replicating, receives nothing): returning old primary; rejoin policy is quarantine");
    }

    @Test
    @Order(2)
    void errantTransactionsOnTheMostAdvancedReplicaRefuseTheFailover() throws Exception {
        String primary = stack.primaryName();
        String replica = primary.equals("db2") ? "db3" : "db2";
        MariaDbNode r = stack.node(replica);
        await().atMost(WAIT).until(() -> stack.replicatesFrom(replica, primary));
        Sql.insert(stack.node(primary), 100, 10);
        stack.db.markPrimary(primary);
        stack.db.awaitCaughtUp(WAIT, java.util.List.of(r));
        // Someone writes on the replica itself (root ignores read_only): a transaction no other server has.
        r.execute("INSERT INTO app.t (id, writer) VALUES (-1, 99)");
        String errant = r.gtidBinlogPos().gtids().getFirst().toString();
        long epoch = stack.topology().epoch();
        int before = m.audit().entries().size();
        stack.node(primary).kill();
        AuditEntry refused = await().atMost(WAIT).until(() -> m.audit().entries().stream().skip(before)
                .filter(e -> e.is(Step.REFUSED)).findFirst().orElse(null), e -> e != null);
        LOG.info("refused: {}", refused);
        assertThat(refused.message()).contains("the most advanced replica [" + replica + "] cannot be promoted: errant transactions ["
                + errant + "]").contains("promoting a less advanced one would lose transactions only it received");
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(4)).until(() -> stack.topology().epoch() == epoch);
        assertThat(r.globalVariable("read_only")).isEqualTo("ON");
        assertThat(m.audit().entries().stream().skip(before)).noneMatch(e -> e.is(Step.PROMOTE) || e.is(Step.FREEZE));
    }
}
