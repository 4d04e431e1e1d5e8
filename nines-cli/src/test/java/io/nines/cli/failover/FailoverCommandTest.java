package io.nines.cli.failover;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nines.cli.NinesCommand;
import io.nines.testkit.mariadb.MariaDbCluster;
import io.nines.testkit.mariadb.MariaDbNode;
import io.nines.testkit.zookeeper.EmbeddedZooKeeper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code nines failover}, {@code status} and {@code switchover} against a real 2-node cluster and ZooKeeper. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FailoverCommandTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    static Path dir;
    private EmbeddedZooKeeper zk;
    private MariaDbCluster db;
    private Path config;

    private record Run(int exit, String out, String err) {
    }

    private static Run run(String... args) {
        CommandLine cmd = NinesCommand.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        int exit = cmd.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    @BeforeAll
    void start() throws Exception {
        zk = EmbeddedZooKeeper.start();
        db = MariaDbCluster.builder().node("db1", "zoneA").node("db2", "zoneB")
                .binaries(Path.of("target", "mariadb-bin").toAbsolutePath()).start();
        StringBuilder y = new StringBuilder("cluster: cli-db\nnodes:\n");
        for (MariaDbNode n : db.nodes()) {
            y.append("  - {name: ").append(n.name()).append(", host: 127.0.0.1, port: ").append(n.address().getPort())
                    .append(", zone: ").append(n.zone()).append("}\n");
        }
        y.append("credentials: {user: root, password: ''}\n");
        y.append("store: {zookeeper: '").append(zk.connectString()).append("', namespace: cli}\n");
        y.append("manager: {id: mgr-cli, zone: zoneA}\n");
        y.append("audit: {file: '").append(dir.resolve("audit.jsonl")).append("'}\n");
        config = dir.resolve("failover.yaml");
        Files.writeString(config, y.toString());
    }

    @AfterAll
    void stop() {
        if (db != null) {
            db.close();
        }
        if (zk != null) {
            zk.close();
        }
    }

    @Test
    @Order(1)
    void aBadConfigIsRefusedWithFileLineAndField() throws Exception {
        Path bad = dir.resolve("bad.yaml");
        Files.writeString(bad, Files.readString(config).replace("zone: zoneB}", "zone: zoneB, candidate: maybe}"));
        Run r = run("failover", "-c", bad.toString());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).startsWith("nines failover: bad config: " + bad + ":4:")
                .contains("nodes[1].candidate: must be true, false or prefer, was 'maybe'");
        Run missing = run("failover", "status");
        assertThat(missing.exit()).isEqualTo(2);
        assertThat(missing.err()).contains("missing -c FILE");
    }

    @Test
    @Order(2)
    void theManagerRunsUntilInterruptedWhileStatusAndSwitchoverTalkToIt() throws Exception {
        StringWriter out = new StringWriter();
        AtomicInteger exit = new AtomicInteger(-1);
        Thread daemon = Thread.ofPlatform().name("nines-failover-cli").start(() -> {
            CommandLine cmd = NinesCommand.commandLine();
            cmd.setOut(new PrintWriter(out, true));
            cmd.setErr(new PrintWriter(new StringWriter(), true));
            exit.set(cmd.execute("failover", "-c", config.toString()));
        });
        try {
            await().atMost(WAIT).until(() -> out.toString().contains("lossless.ok"));
            assertThat(out.toString()).contains("nines failover: cluster cli-db, manager mgr-cli (zone zoneA), 2 nodes")
                    .contains("leader.gained").contains("topology.created");

            Run status = run("failover", "status", "-c", config.toString());
            System.out.println(status.out()); // kept in the surefire output: what an operator sees
            assertThat(status.exit()).as(status.out() + status.err()).isZero();
            assertThat(status.out()).contains("cluster cli-db  epoch 1  leader mgr-cli")
                    .containsPattern("db1\\s+zoneA\\s+primary\\s+up\\s+OK\\s+OFF")
                    .containsPattern("db2\\s+zoneB\\s+replica\\s+up\\s+OK\\s+ON\\s+from server 1: IO=Yes SQL=Yes")
                    .contains("mgr-cli      zone zoneA    leader")
                    .contains("all as required")
                    .contains("topology.created [mgr-cli] created the topology of cli-db with primary db1");

            Run sw = run("failover", "switchover", "-c", config.toString(), "--to", "db2");
            assertThat(sw.exit()).as(sw.out() + sw.err()).isZero();
            assertThat(sw.out()).startsWith("switched over db1 -> db2 at epoch 2; writes refused for ");
            assertThat(out.toString()).contains("switchover.start").contains("requested by nines-cli@");

            Run refused = run("failover", "switchover", "-c", config.toString(), "--to", "db9");
            assertThat(refused.exit()).isEqualTo(1);
            assertThat(refused.err()).contains("refused: db9 is not a node of cli-db");

            Run after = run("failover", "status", "-c", config.toString());
            assertThat(after.out()).contains("epoch 2").containsPattern("db2\\s+zoneB\\s+primary\\s+up");
        } finally {
            daemon.interrupt();
            daemon.join(20_000);
        }
        assertThat(exit.get()).isZero();
        assertThat(out.toString()).contains("manager.stop").endsWith("nines failover: stopped\n");
        // The audit file has every step, one JSON object per line.
        var lines = Files.readAllLines(dir.resolve("audit.jsonl"));
        assertThat(lines).anyMatch(l -> l.contains("\"step\":\"switchover.done\"")).allMatch(l -> l.startsWith("{\"ts\":"));
    }

    @Test
    @Order(3)
    void withNoManagerRunningASwitchoverRunsItsOwn() {
        Run sw = run("failover", "switchover", "-c", config.toString(), "--to", "db1");
        assertThat(sw.exit()).as(sw.out() + sw.err()).isZero();
        assertThat(sw.out()).contains("no manager leads cli-db: running one (mgr-cli) for the switchover")
                .contains("switched over db2 -> db1 at epoch 3");
    }
}
