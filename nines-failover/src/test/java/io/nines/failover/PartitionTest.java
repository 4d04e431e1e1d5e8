package io.nines.failover;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nines.failover.AuditEntry.Step;
import io.nines.testkit.mariadb.MariaDbNode;
import io.nines.topology.Endpoint;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Zone A (the primary db1 and its replica db2) is cut off from everything; the manager (zone M) and db3 (zone B)
 * stay together. The primary timed out, so it may be alive with clients: the manager waits for the island bound
 * (store session 4 s + double check 1 s) after the last sign of life before promoting db3. Meanwhile the isolated
 * primary cannot acknowledge a commit (its only acknowledger, db3, is cut off; semi-sync timeout 30 s). After the
 * heal it is found writable and fenced, and, holding a transaction no other zone has, quarantined.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PartitionTest {

    private static final Logger LOG = LoggerFactory.getLogger(PartitionTest.class);
    private static final Duration WAIT = Duration.ofSeconds(30);

    private Stack stack;
    private FailoverManager m;

    @BeforeAll
    void start() throws Exception {
        Map<String, String> nodes = new LinkedHashMap<>();
        nodes.put("db1", "zoneA");
        nodes.put("db2", "zoneA");
        nodes.put("db3", "zoneB");
        stack = new Stack("island", nodes, "zoneM");
        m = stack.start(stack.config("mgr-a", "zoneM", "failover:\n  clientDoubleCheck: 1s\n", Duration.ofSeconds(4)));
        await().atMost(WAIT).until(() -> !m.audit().entries(Step.LOSSLESS_OK).isEmpty());
        await().atMost(WAIT).until(() -> Long.parseLong(stack.node("db3").globalStatus("Slave_received_heartbeats")) > 2);
    }

    @AfterAll
    void stop() {
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void aPrimaryCutOffWithItsZoneIsReplacedOnlyAfterTheIslandBoundAndCannotAcknowledgeMeanwhile() throws Exception {
        assertThat(m.config().failover().islandBound()).isEqualTo(Duration.ofSeconds(5));
        Sql.insert(stack.node("db1"), 1, 10);
        long epoch = stack.topology().epoch();
        MariaDbNode db1 = stack.node("db1");
        long cutMillis = System.currentTimeMillis();
        stack.net.partition("zoneA");
        // A client inside zone A keeps writing to the isolated primary.
        Connection inside = db1.connectAs("app", "app");
        CompletableFuture<Void> isolatedWrite = CompletableFuture.runAsync(() -> {
            try (Statement s = inside.createStatement()) {
                s.executeUpdate("INSERT INTO t (id, writer) VALUES (-7, 7)");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, r -> Thread.ofVirtual().start(r));
        try {
            await().atMost(WAIT).until(() -> stack.topology().epoch() == epoch + 1);
            long publishedMillis = System.currentTimeMillis();
            assertThat(stack.primaryName()).isEqualTo("db3");
            assertThat(isolatedWrite).as("the isolated primary acknowledged nothing: its acknowledger is cut off").isNotDone();
            AuditEntry lease = m.audit().entries(Step.LEASE_WAIT).getFirst();
            AuditEntry promote = m.audit().entries(Step.PROMOTE).getLast();
            Instant promoteAfter = Instant.parse(lease.details().get("promoteAfter"));
            LOG.info("partition at {}: {} / promoted at {}, published {} ms after the cut", Instant.ofEpochMilli(cutMillis), lease,
                    promote.time(), publishedMillis - cutMillis);
            assertThat(lease.message()).contains("timed out (not refused): it may be alive in a partition")
                    .contains("island bound 5s (store session 4s + double check 1s)");
            assertThat(promote.timeMillis()).isGreaterThanOrEqualTo(promoteAfter.toEpochMilli());
            assertThat(promote.timeMillis() - cutMillis).as("promoted no earlier than the island bound after the cut,"
                    + " less the last probe interval").isGreaterThanOrEqualTo(5000 - 600);
            AuditEntry chosen = m.audit().entries(Step.CHOSEN).getLast();
            assertThat(chosen.details().get("excluded db2")).startsWith("unreachable");
        } finally {
            stack.net.heal();
        }
        // The old primary answers again, writable: fenced at once, its waiting session killed (the client gets an
        // error, never an OK); the transaction it holds exists nowhere else, so it is quarantined.
        await().atMost(WAIT).until(() -> stack.topology().endpoint("db1").orElseThrow().state() == Endpoint.State.QUARANTINED);
        assertThat(db1.globalVariable("read_only")).isEqualTo("ON");
        assertThat(m.audit().entries(Step.FENCE)).anyMatch(e -> e.message().startsWith("db1 is fenced but was writable: fenced it"));
        await().atMost(WAIT).until(isolatedWrite::isDone);
        assertThat(isolatedWrite).isCompletedExceptionally();
        assertThat(m.audit().entries(Step.QUARANTINE)).anyMatch(e -> e.message().startsWith("db1 quarantined")
                && e.message().contains("never received"));
        assertThat(Sql.ids(stack.node("db3"))).doesNotContain(-7L);
        // db2 (zone A, not an acknowledger) replicated the isolated write too: it cannot follow db3 either.
        await().atMost(WAIT).until(() -> stack.topology().endpoint("db2").orElseThrow().state() == Endpoint.State.QUARANTINED);
        LOG.info("after heal: {}", stack.topology());
        assertThat(stack.topology().primary().map(Endpoint::id)).contains("db3");
        assertThat(List.of(stack.node("db3").globalVariable("read_only"))).containsExactly("OFF");
        inside.close();
    }
}
