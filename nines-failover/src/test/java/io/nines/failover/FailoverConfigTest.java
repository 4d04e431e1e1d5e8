package io.nines.failover;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nines.failover.FailoverConfig.Ackers;
import io.nines.failover.FailoverConfig.Candidate;
import io.nines.failover.FailoverConfig.HostPort;
import io.nines.failover.FailoverConfig.Lossless;
import io.nines.failover.FailoverConfig.Rejoin;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FailoverConfigTest {

    static final String MINIMAL = """
            cluster: orders-db
            nodes:
              - {name: db1, host: 10.0.1.5, zone: a}
              - {name: db2, host: 10.0.2.5, port: 3307, zone: b, candidate: prefer}
              - name: db3
                host: 10.0.2.6
                zone: b
                candidate: false
                routes:
                  a: 10.9.0.6:3306
            credentials:
              user: nines
              password: secret
            store:
              zookeeper: zk1:2181,zk2:2181
            manager:
              id: mgr-a
              zone: a
            """;

    @Test
    void readsAMinimalFileWithDefaults() {
        FailoverConfig c = FailoverConfig.parse(MINIMAL, "failover.yaml");
        assertThat(c.cluster()).isEqualTo("orders-db");
        assertThat(c.primary()).isNull();
        assertThat(c.nodes()).extracting(FailoverConfig.Node::name).containsExactly("db1", "db2", "db3");
        assertThat(c.nodes().get(0).port()).isEqualTo(3306);
        assertThat(c.nodes().get(1).port()).isEqualTo(3307);
        assertThat(c.nodes()).extracting(FailoverConfig.Node::candidate).containsExactly(Candidate.YES, Candidate.PREFER, Candidate.NO);
        assertThat(c.nodes().get(2).addressFrom("a")).isEqualTo(new HostPort("10.9.0.6", 3306));
        assertThat(c.nodes().get(2).addressFrom("b")).isEqualTo(new HostPort("10.0.2.6", 3306));
        assertThat(c.credentials().replicationUser()).isEqualTo("nines");
        assertThat(c.credentials().replicationPassword()).isEqualTo("secret");
        assertThat(c.credentials().toString()).doesNotContain("secret");
        assertThat(c.store().namespace()).isEqualTo("nines");
        assertThat(c.store().sessionTimeout()).isEqualTo(Duration.ofSeconds(6));
        assertThat(c.detection()).isEqualTo(FailoverConfig.Detection.defaults());
        assertThat(c.failover().islandBound()).as("session timeout + double check").isEqualTo(Duration.ofSeconds(7));
        assertThat(c.failover().lossless()).isEqualTo(Lossless.ENFORCE);
        assertThat(c.failover().semiSyncAckers()).isEqualTo(Ackers.OTHER_ZONES);
        assertThat(c.failover().rejoin()).isEqualTo(Rejoin.REJOIN);
        assertThat(c.audit().file()).isNull();
        assertThat(c.electionGroup()).isEqualTo("orders-db-failover");
    }

    @Test
    void readsEverySetting(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("failover.yaml");
        Files.writeString(f, MINIMAL.replace("  password: secret\n", "  passwordEnv: NINES_TEST_HOME_NOT_SET\n").replace("credentials:\n  user: nines\n", "credentials:\n  user: nines\n  password: p\n").replace("  passwordEnv: NINES_TEST_HOME_NOT_SET\n", "") + """
                primary: db1
                detection:
                  probeInterval: 250ms
                  recheckInterval: 50ms
                  connectTimeout: 300ms
                  readTimeout: 0.5s
                  missesBeforeSuspect: 3
                  heartbeatPeriod: 100ms
                  replicaSilence: 700ms
                  minConfirmations: 2
                failover:
                  antiFlapWindow: 1h
                  clientDoubleCheck: 2s
                  islandBound: PT9S
                  maxReplicationBroken: 5s
                  maxPromotionLag: 1s
                  catchUpTimeout: 20s
                  rejoin: quarantine
                  lossless: check
                  semiSyncTimeout: 1m
                  semiSyncAckers: any
                audit:
                  file: %s
                  storeTail: 7
                """.formatted(dir.resolve("audit.jsonl")));
        FailoverConfig c = FailoverConfig.load(f);
        assertThat(c.primary()).isEqualTo("db1");
        assertThat(c.detection().probeInterval()).isEqualTo(Duration.ofMillis(250));
        assertThat(c.detection().readTimeout()).isEqualTo(Duration.ofMillis(500));
        assertThat(c.detection().missesBeforeSuspect()).isEqualTo(3);
        assertThat(c.detection().minConfirmations()).isEqualTo(2);
        assertThat(c.failover().antiFlapWindow()).isEqualTo(Duration.ofHours(1));
        assertThat(c.failover().islandBound()).isEqualTo(Duration.ofSeconds(9));
        assertThat(c.failover().rejoin()).isEqualTo(Rejoin.QUARANTINE);
        assertThat(c.failover().lossless()).isEqualTo(Lossless.CHECK);
        assertThat(c.failover().semiSyncTimeout()).isEqualTo(Duration.ofMinutes(1));
        assertThat(c.failover().semiSyncAckers()).isEqualTo(Ackers.ANY);
        assertThat(c.audit().file()).isEqualTo(dir.resolve("audit.jsonl"));
        assertThat(c.audit().storeTail()).isEqualTo(7);
    }

    private static FailoverConfigException bad(String yaml) {
        try {
            FailoverConfig.parse(yaml, "/etc/nines/failover.yaml");
        } catch (FailoverConfigException e) {
            return e;
        }
        throw new AssertionError("accepted:\n" + yaml);
    }

    @Test
    void aPortOutOfRangeNamesFileLineColumnAndField() {
        FailoverConfigException e = bad(MINIMAL.replace("port: 3307", "port: 70000"));
        assertThat(e.getMessage()).isEqualTo("/etc/nines/failover.yaml:4:39: nodes[1].port: must be in [1, 65535], was 70000");
        assertThat(e.source()).isEqualTo("/etc/nines/failover.yaml");
        assertThat(e.line()).isEqualTo(4);
        assertThat(e.field()).isEqualTo("nodes[1].port");
    }

    @Test
    void aTypoIsAnUnknownFieldAtItsKey() {
        FailoverConfigException e = bad(MINIMAL + "detection:\n  probeIntervall: 1s\n");
        assertThat(e.line()).isEqualTo(20);
        assertThat(e.column()).isEqualTo(3);
        assertThat(e.field()).isEqualTo("detection.probeIntervall");
        assertThat(e.problem()).startsWith("unknown field (expected one of probeInterval, recheckInterval");
    }

    @Test
    void durationsNeedAUnit() {
        FailoverConfigException e = bad(MINIMAL + "detection:\n  probeInterval: 500\n");
        assertThat(e.getMessage()).isEqualTo("/etc/nines/failover.yaml:20:18: detection.probeInterval: needs a unit (ms, s, m, h, d), e.g. '500s', was '500'");
        assertThat(bad(MINIMAL + "failover:\n  antiFlapWindow: soon\n").getMessage())
                .contains(":20:19: failover.antiFlapWindow: must be a duration such as 500ms, 2s, 10m or PT0.5S, was 'soon'");
    }

    @Test
    void badEnumsListTheChoices() {
        assertThat(bad(MINIMAL + "failover:\n  rejoin: maybe\n").getMessage())
                .endsWith(":20:11: failover.rejoin: must be one of rejoin, quarantine, was 'maybe'");
        assertThat(bad(MINIMAL.replace("candidate: prefer", "candidate: sometimes")).getMessage())
                .contains(":4:65: nodes[1].candidate: must be true, false or prefer, was 'sometimes'");
    }

    @Test
    void modelRulesAreReportedAtTheirField() {
        assertThat(bad(MINIMAL.replace("name: db2", "name: db1")).getMessage())
                .contains(":4:12: nodes[1].name: duplicate node name 'db1' (also nodes[0])");
        assertThat(bad(MINIMAL.replace("zookeeper: zk1:2181,zk2:2181", "zookeeper: ''")).getMessage())
                .contains(":15:14: store.zookeeper: must be set");
        assertThat(bad(MINIMAL + "primary: db9\n").getMessage())
                .contains(":19:10: primary: 'db9' is not one of the nodes [db1, db2, db3]");
        assertThat(bad(MINIMAL.replace("candidate: prefer", "candidate: false").replace("zone: a}", "zone: a, candidate: false}")).getMessage())
                .contains("nodes: no node may be promoted");
    }

    @Test
    void aSemiSyncTimeoutShorterThanALeasedFailoverIsRefusedWithTheArithmetic() {
        FailoverConfigException e = bad(MINIMAL + "failover:\n  semiSyncTimeout: 5s\n");
        assertThat(e.line()).isEqualTo(20);
        assertThat(e.field()).isEqualTo("failover.semiSyncTimeout");
        assertThat(e.problem()).contains("island bound (7s + suspect bound 2.1s = 9.1s)").contains("was 5s");
        // Only checked when lossless settings are enforced.
        assertThat(FailoverConfig.parse(MINIMAL + "failover:\n  semiSyncTimeout: 5s\n  lossless: check\n", "x").failover()
                .semiSyncTimeout()).isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void anIslandBoundBelowSessionPlusDoubleCheckIsRefused() {
        FailoverConfigException e = bad(MINIMAL + "failover:\n  islandBound: 3s\n");
        assertThat(e.getMessage()).contains(":20:16: failover.islandBound: must be >= store.sessionTimeout + failover.clientDoubleCheck (7s)");
    }

    @Test
    void aDefaultedValueThatBreaksARuleIsReportedAtItsSection() {
        // replicaSilence keeps its default 1s, which is not longer than two heartbeats of 600ms.
        FailoverConfigException e = bad(MINIMAL + "detection:\n  heartbeatPeriod: 600ms\n");
        assertThat(e.field()).isEqualTo("detection.replicaSilence");
        assertThat(e.line()).as("the detection section").isEqualTo(20);
    }

    @Test
    void missingPiecesAndWrongShapes() {
        assertThat(bad(MINIMAL.replace("manager:\n  id: mgr-a\n  zone: a\n", "")).getMessage())
                .isEqualTo("/etc/nines/failover.yaml:1:1: manager: is required");
        assertThat(bad(MINIMAL.replace("  - {name: db1, host: 10.0.1.5, zone: a}\n", "  - {name: db1, zone: a}\n")).getMessage())
                .contains(":3:5: nodes[0].host: is required");
        assertThat(bad("cluster: x\nnodes: db1\n").getMessage()).contains(":2:8: nodes: must be a list of nodes, was 'db1'");
        assertThat(bad(MINIMAL.replace("  - {name: db2, host: 10.0.2.5, port: 3307, zone: b, candidate: prefer}\n", "")
                .replace("  - name: db3\n    host: 10.0.2.6\n    zone: b\n    candidate: false\n    routes:\n      a: 10.9.0.6:3306\n", "")).getMessage())
                .contains("nodes: a failover needs at least 2 nodes, got 1");
        assertThat(bad("").getMessage()).isEqualTo("/etc/nines/failover.yaml: the file is empty");
        assertThat(bad(MINIMAL.replace("routes:\n      a: 10.9.0.6:3306", "routes:\n      a: 10.9.0.6")).getMessage())
                .contains(":10:10: nodes[2].routes.a: must be host:port, was '10.9.0.6'");
    }

    @Test
    void yamlSyntaxErrorsHaveALine() {
        FailoverConfigException e = bad(MINIMAL + "detection: [unclosed\n");
        assertThat(e.line()).isPositive();
        assertThat(e.problem()).startsWith("not valid YAML");
        FailoverConfigException dup = bad(MINIMAL + "cluster: again\n");
        assertThat(dup.line()).isEqualTo(19);
        assertThat(dup.problem()).contains("Duplicate field 'cluster'");
    }

    @Test
    void passwordsFromTheEnvironmentMustExist() {
        FailoverConfigException e = bad(MINIMAL.replace("password: secret", "passwordEnv: NINES_SURELY_UNSET_VARIABLE_42"));
        assertThat(e.getMessage()).contains(":13:16: credentials.passwordEnv: environment variable NINES_SURELY_UNSET_VARIABLE_42 is not set");
    }

    @Test
    void anUnreadableFileSaysSo(@TempDir Path dir) {
        assertThatThrownBy(() -> FailoverConfig.load(dir.resolve("missing.yaml")))
                .isInstanceOf(FailoverConfigException.class)
                .hasMessageStartingWith(dir.resolve("missing.yaml") + ": cannot read: ");
    }
}
