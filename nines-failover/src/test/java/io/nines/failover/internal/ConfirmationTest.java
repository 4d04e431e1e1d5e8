package io.nines.failover.internal;

import static io.nines.failover.internal.Fixtures.replica;
import static org.assertj.core.api.Assertions.assertThat;

import io.nines.failover.ManagerView;
import io.nines.failover.Reach;
import io.nines.failover.internal.Confirmation.Kind;
import io.nines.failover.internal.Confirmation.ReplicaEvidence;
import io.nines.failover.internal.Confirmation.Verdict;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConfirmationTest {

    static final long S = 1_000_000_000L; // one second in nanos
    static final long SUSPECT = 100 * S;
    static final long SUSPECT_MS = 1_700_000_000_000L;
    static final Duration SILENCE = Duration.ofSeconds(1);
    static final Duration FRESH = Duration.ofSeconds(3);

    static Verdict evaluate(long nowNanos, List<ReplicaEvidence> replicas, List<ManagerView> views, int min) {
        long nowMs = SUSPECT_MS + (nowNanos - SUSPECT) / 1_000_000;
        return Confirmation.evaluate(SUSPECT, SUSPECT_MS, nowNanos, nowMs, "db1", 1, replicas, views, "mgr-a", SILENCE, FRESH, min);
    }

    static ReplicaEvidence connecting(String name) {
        return new ReplicaEvidence(name, true, "", replica("Connecting", 2003, 1, "0-1-10", 1000, 5), SUSPECT - S, SUSPECT - S / 2);
    }

    @Test
    void replicasThatLostThePrimaryTooConfirmItDown() {
        Verdict v = evaluate(SUSPECT + S / 10, List.of(connecting("db2"), connecting("db3")), List.of(), 1);
        assertThat(v.kind()).isEqualTo(Kind.DOWN);
        assertThat(v.of(Kind.DOWN)).extracting(Confirmation.Vote::who).containsExactly("replica db2", "replica db3");
        assertThat(v.summary()).contains("lost the primary too: IO=Connecting SQL=Yes io_errno=2003");
    }

    @Test
    void aReplicaStillReceivingAfterTheFirstFailedProbeVetoes() {
        // db3 showed new progress in a round after the suspicion began: the primary is alive.
        ReplicaEvidence receiving = new ReplicaEvidence("db3", true, "", replica("Yes", 0, 1, "0-1-10", 2000, 40),
                SUSPECT + S / 2, SUSPECT + S);
        Verdict v = evaluate(SUSPECT + S, List.of(connecting("db2"), receiving), List.of(), 1);
        assertThat(v.kind()).isEqualTo(Kind.ALIVE);
        assertThat(v.summary()).startsWith("replica db3: IO thread connected and still receiving");
    }

    @Test
    void progressSeenOnlyBeforeTheSuspicionProvesNothing() {
        // The last change happened after a round before the suspicion: it may predate the failure.
        ReplicaEvidence quiet = new ReplicaEvidence("db3", true, "", replica("Yes", 0, 1, "0-1-10", 2000, 40),
                SUSPECT - S, SUSPECT);
        assertThat(evaluate(SUSPECT + S / 2, List.of(quiet), List.of(), 1).kind()).isEqualTo(Kind.WAIT);
        // Silent for longer than the silence bound (heartbeats stopped): it lost the primary too.
        Verdict later = evaluate(SUSPECT + S + S / 10, List.of(quiet), List.of(), 1);
        assertThat(later.kind()).isEqualTo(Kind.DOWN);
        assertThat(later.summary()).contains("nothing arrived for 1100 ms");
    }

    @Test
    void otherManagersCountBothWays() {
        ManagerView sawIt = new ManagerView("mgr-b", "b", false, 3, "db1", Reach.OK, SUSPECT_MS + 200, SUSPECT_MS + 300);
        Verdict alive = evaluate(SUSPECT + S / 2, List.of(connecting("db2")), List.of(sawIt), 1);
        assertThat(alive.kind()).isEqualTo(Kind.ALIVE);
        assertThat(alive.summary()).startsWith("manager mgr-b: reached db1");

        ManagerView failsToo = new ManagerView("mgr-b", "b", false, 3, "db1", Reach.TIMEOUT, SUSPECT_MS - 500, SUSPECT_MS + 300);
        assertThat(evaluate(SUSPECT + S / 2, List.of(), List.of(failsToo), 1).kind()).isEqualTo(Kind.DOWN);

        ManagerView stale = new ManagerView("mgr-b", "b", false, 3, "db1", Reach.OK, SUSPECT_MS + 200, SUSPECT_MS - 10_000);
        ManagerView self = new ManagerView("mgr-a", "a", true, 3, "db1", Reach.OK, SUSPECT_MS + 200, SUSPECT_MS + 300);
        ManagerView otherPrimary = new ManagerView("mgr-c", "c", false, 2, "db0", Reach.OK, SUSPECT_MS + 200, SUSPECT_MS + 300);
        Verdict v = evaluate(SUSPECT + S / 2, List.of(connecting("db2")), List.of(stale, self, otherPrimary), 1);
        assertThat(v.kind()).as("stale views, this manager's own view and views of another primary do not count").isEqualTo(Kind.DOWN);
    }

    @Test
    void withoutEnoughVantagePointsThereIsNoFailover() {
        ReplicaEvidence unreachable = new ReplicaEvidence("db2", false, "TIMEOUT", null, Long.MIN_VALUE, Long.MIN_VALUE);
        ReplicaEvidence stopped = new ReplicaEvidence("db3", true, "", replica("No", 0, 1, "0-1-10", 1000, 5), SUSPECT - S, SUSPECT - S);
        Verdict v = evaluate(SUSPECT + S, List.of(unreachable, stopped), List.of(), 1);
        assertThat(v.kind()).isEqualTo(Kind.UNCONFIRMED);
        assertThat(v.votes()).allMatch(vote -> vote.kind() == null);
        assertThat(evaluate(SUSPECT + S, List.of(connecting("db2")), List.of(), 2).kind()).isEqualTo(Kind.UNCONFIRMED);
        assertThat(evaluate(SUSPECT + S, List.of(), List.of(), 0).kind()).isEqualTo(Kind.DOWN);
    }

    @Test
    void aReplicaOfAnotherServerAbstains() {
        ReplicaEvidence elsewhere = new ReplicaEvidence("db2", true, "", replica("Connecting", 2003, 7, "0-7-3", 1, 1), SUSPECT, SUSPECT);
        assertThat(evaluate(SUSPECT + S, List.of(elsewhere), List.of(), 1).kind()).isEqualTo(Kind.UNCONFIRMED);
    }
}
