package io.nines.failover.internal;

import io.nines.mariadb.GtidPosition;
import static io.nines.failover.internal.Fixtures.healthy;
import static io.nines.failover.internal.Fixtures.replica;
import static io.nines.failover.internal.Fixtures.vars;
import static org.assertj.core.api.Assertions.assertThat;

import io.nines.failover.FailoverConfig;
import io.nines.failover.FailoverConfig.Candidate;
import io.nines.failover.FailoverConfig.Lossless;
import io.nines.failover.FailoverConfig.Policy;
import io.nines.failover.Reach;
import io.nines.failover.internal.Chooser.Choice;
import io.nines.failover.internal.Chooser.Outcome;
import io.nines.failover.internal.Chooser.PrimaryFacts;
import io.nines.failover.internal.Chooser.Refusal;
import io.nines.failover.internal.Chooser.ReplicaFacts;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class ChooserTest {

    static final long S = 1_000_000_000L;
    static final long SUSPECT = 1000 * S;
    static final Policy POLICY = withIsland(Policy.defaults());

    static Policy withIsland(Policy p) {
        return new Policy(p.antiFlapWindow(), p.clientDoubleCheck(), Duration.ofSeconds(7), p.maxReplicationBroken(),
                p.maxPromotionLag(), p.catchUpTimeout(), p.rejoin(), p.lossless(), p.semiSyncTimeout(), p.semiSyncAckers());
    }

    static Policy lossless(Lossless l) {
        Policy p = POLICY;
        return new Policy(p.antiFlapWindow(), p.clientDoubleCheck(), p.islandBound(), p.maxReplicationBroken(),
                p.maxPromotionLag(), p.catchUpTimeout(), p.rejoin(), l, p.semiSyncTimeout(), p.semiSyncAckers());
    }

    /** db1 (server 1, zone a) wrote 0-1-1..20 and died. */
    static PrimaryFacts primary(Reach reach, String reference) {
        return new PrimaryFacts("db1", "a", 1, reach, reference == null ? null : GtidPosition.parse(reference), 0,
                GtidPosition.parse("0-1-20"));
    }

    static ReplicaFacts r(String name, String zone, Candidate c, long serverId, String received, String state) {
        return new ReplicaFacts(name, zone, c, true, "", vars(serverId, received, state), healthy(1, received),
                -1, 0, "", 0L, true);
    }

    static ReplicaFacts r(String name, String zone, String received) {
        return r(name, zone, Candidate.YES, Long.parseLong(name.substring(2)), received, received);
    }

    static Outcome choose(PrimaryFacts p, ReplicaFacts... rs) {
        return Chooser.choose(p, List.of(rs), SUSPECT, POLICY);
    }

    @Test
    void promotesTheMostAdvancedAndRepointsTheOthers() {
        Outcome o = choose(primary(Reach.DEAD, "0-1-15"), r("db2", "a", "0-1-18"), r("db3", "b", "0-1-20"), r("db4", "b", "0-1-19"));
        assertThat(o).isInstanceOfSatisfying(Choice.class, c -> {
            assertThat(c.candidate()).isEqualTo("db3");
            assertThat(c.received()).hasToString("0-1-20");
            assertThat(c.followers()).containsExactly("db2", "db4");
            assertThat(c.quarantine()).isEmpty();
        });
    }

    @Test
    void receivedCountsTheIoPositionAboveWhatWasApplied() {
        ReplicaFacts appliedLess = new ReplicaFacts("db2", "a", Candidate.YES, true, "", vars(2, "0-1-17", "0-1-17"),
                healthy(1, "0-1-20"), -1, 0, "", 3L, true);
        Outcome o = choose(primary(Reach.DEAD, null), appliedLess, r("db3", "b", "0-1-19"));
        assertThat(o).isInstanceOfSatisfying(Choice.class, c -> {
            assertThat(c.candidate()).isEqualTo("db2");
            assertThat(c.received()).as("MASTER_GTID_WAIT target").hasToString("0-1-20");
        });
    }

    @Test
    void amongEqualsPreferThenTheDeadPrimarysZoneElseAnotherZone() {
        ReplicaFacts a = r("db2", "a", "0-1-20");
        ReplicaFacts b = r("db3", "b", "0-1-20");
        assertThat(((Choice) choose(primary(Reach.DEAD, null), b, a)).candidate()).as("crash: keep the zone").isEqualTo("db2");
        assertThat(((Choice) choose(primary(Reach.TIMEOUT, null), a, b)).candidate()).as("timeout: leave the zone").isEqualTo("db3");
        ReplicaFacts preferred = r("db4", "b", Candidate.PREFER, 4, "0-1-20", "0-1-20");
        assertThat(((Choice) choose(primary(Reach.DEAD, null), a, b, preferred)).candidate()).isEqualTo("db4");
        ReplicaFacts preferredBehind = r("db4", "b", Candidate.PREFER, 4, "0-1-19", "0-1-19");
        assertThat(((Choice) choose(primary(Reach.DEAD, null), a, preferredBehind)).candidate())
                .as("prefer never beats more data").isEqualTo("db2");
    }

    @Test
    void errantTransactionsOnTheBestCandidateRefuseWhenNoOtherIsAsAdvanced() {
        // db2 received everything (0-1-20) but also has a local write 0-2-21; db3 is behind.
        ReplicaFacts errant = r("db2", "b", Candidate.YES, 2, "0-1-20", "0-1-20,0-2-21");
        Outcome o = choose(primary(Reach.DEAD, "0-1-10"), errant, r("db3", "b", "0-1-17"));
        assertThat(o).isInstanceOfSatisfying(Refusal.class, ref -> {
            assertThat(ref.reason()).startsWith("the most advanced replica [db2] cannot be promoted: errant transactions [0-2-21]")
                    .contains("promoting a less advanced one would lose transactions only it received");
            assertThat(ref.excluded()).containsKey("db2");
        });
    }

    @Test
    void anEquallyAdvancedReplicaWithoutErrantTransactionsIsTakenInstead() {
        ReplicaFacts errant = r("db2", "a", Candidate.YES, 2, "0-1-20", "0-1-20,0-2-21");
        Outcome o = choose(primary(Reach.DEAD, null), errant, r("db3", "b", "0-1-20"));
        assertThat(o).isInstanceOfSatisfying(Choice.class, c -> {
            assertThat(c.candidate()).isEqualTo("db3");
            assertThat(c.excluded().get("db2")).contains("errant transactions [0-2-21]");
            assertThat(c.quarantine()).containsKey("db2");
            assertThat(c.followers()).isEmpty();
        });
    }

    @Test
    void historyFromFormerPrimariesIsNotErrant() {
        // db3 was primary once (0-3-5); every node has that in its binlog state.
        Outcome o = choose(primary(Reach.DEAD, null), r("db2", "a", Candidate.YES, 2, "0-1-20", "0-3-5,0-1-20"),
                r("db3", "b", Candidate.YES, 3, "0-1-19", "0-3-5,0-1-19"));
        assertThat(o).isInstanceOfSatisfying(Choice.class, c -> assertThat(c.candidate()).isEqualTo("db2"));
    }

    @Test
    void aReplicaBrokenLongBeforeTheFailureIsNeverPromoted() {
        ReplicaFacts broken = new ReplicaFacts("db2", "a", Candidate.YES, true, "", vars(2, "0-1-20", "0-1-20"),
                replica("No", 0, 1, "0-1-20", 100, 1), SUSPECT - 30 * S, 1_700_000_000_000L, "IO=No SQL=Yes", 0L, false);
        Outcome o = choose(primary(Reach.DEAD, null), broken, r("db3", "b", "0-1-20"));
        assertThat(o).isInstanceOfSatisfying(Choice.class, c -> {
            assertThat(c.candidate()).isEqualTo("db3");
            assertThat(c.excluded().get("db2")).contains("replication broken since").contains("30000 ms before the primary failed");
            assertThat(c.followers()).containsExactly("db2");
        });
        ReplicaFacts justNow = new ReplicaFacts("db2", "a", Candidate.YES, true, "", vars(2, "0-1-20", "0-1-20"),
                replica("Connecting", 2003, 1, "0-1-20", 100, 1), SUSPECT - S / 2, 0, "IO=Connecting", 0L, true);
        assertThat(choose(primary(Reach.DEAD, null), justNow)).as("broken by the failure itself").isInstanceOf(Choice.class);
        Outcome only = choose(primary(Reach.DEAD, null), broken, r("db3", "b", Candidate.NO, 3, "0-1-20", "0-1-20"));
        assertThat(only).isInstanceOfSatisfying(Refusal.class, ref -> assertThat(ref.reason())
                .startsWith("no replica can be promoted: db2: replication broken since").contains("db3: candidate: false"));
    }

    @Test
    void aStaleCandidateIsRefused() {
        Outcome o = choose(primary(Reach.DEAD, "0-1-20"), r("db2", "a", "0-1-12"));
        assertThat(o).isInstanceOfSatisfying(Refusal.class, ref -> assertThat(ref.reason())
                .startsWith("db2 is stale: it received up to 0-1-12 but the primary db1 had written up to 0-1-20"));
    }

    @Test
    void anUnreachableAcknowledgerMayHoldAcknowledgedWrites() {
        ReplicaFacts lostAcker = new ReplicaFacts("db3", "b", Candidate.YES, false, "TIMEOUT", null, null, -1, 0, "", 0L, true);
        Outcome enforce = choose(primary(Reach.DEAD, null), r("db2", "a", "0-1-20"), lostAcker);
        assertThat(enforce).isInstanceOfSatisfying(Refusal.class, ref -> assertThat(ref.reason())
                .contains("semi-sync acknowledger(s) [db3] unreachable"));
        Outcome check = Chooser.choose(primary(Reach.DEAD, null), List.of(r("db2", "a", "0-1-20"), lostAcker), SUSPECT, lossless(Lossless.CHECK));
        assertThat(check).isInstanceOfSatisfying(Choice.class, c -> assertThat(c.warnings()).singleElement().asString().contains("[db3]"));
    }

    @Test
    void aNonCandidateAheadOfEveryCandidateBlocksALosslessFailover() {
        Outcome o = choose(primary(Reach.DEAD, null), r("db2", "a", "0-1-18"), r("db3", "b", Candidate.NO, 3, "0-1-20", "0-1-20"));
        assertThat(o).isInstanceOfSatisfying(Refusal.class, ref -> assertThat(ref.reason())
                .contains("no candidate has every transaction the other replicas received").contains("db3 received 0-1-20 (candidate: false)"));
        Outcome relaxed = Chooser.choose(primary(Reach.DEAD, null), List.of(r("db2", "a", "0-1-18"),
                r("db3", "b", Candidate.NO, 3, "0-1-20", "0-1-20")), SUSPECT, lossless(Lossless.OFF));
        assertThat(relaxed).isInstanceOfSatisfying(Choice.class, c -> assertThat(c.candidate()).isEqualTo("db2"));
    }

    @Test
    void policyDefaultsAreUsable() {
        assertThat(FailoverConfig.Policy.defaults().islandBound()).isNull();
    }
}
