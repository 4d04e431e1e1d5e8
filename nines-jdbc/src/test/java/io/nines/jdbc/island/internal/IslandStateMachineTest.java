package io.nines.jdbc.island.internal;

import static io.nines.topology.QuorumSignal.State.CONNECTED;
import static io.nines.topology.QuorumSignal.State.LOST;
import static io.nines.topology.QuorumSignal.State.SUSPENDED;
import static org.assertj.core.api.Assertions.assertThat;

import io.nines.core.ManualClock;
import io.nines.core.event.EventPublisher;
import io.nines.jdbc.island.IslandGuard.Reason;
import io.nines.jdbc.island.IslandGuard.State;
import io.nines.jdbc.island.IslandGuardEvent;
import io.nines.jdbc.island.Peer;
import io.nines.jdbc.island.internal.IslandStateMachine.Step;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The guard's decisions, driven by a ManualClock and fake check results (the sockets are tested elsewhere). */
class IslandStateMachineTest {

    private static final Duration LEASE = Duration.ofSeconds(6);
    private static final Duration RECHECK = Duration.ofSeconds(1);
    private static final Peer PEER_B = Peer.of("zoneB", "app-b", 8080);

    private final ManualClock clock = new ManualClock();
    private final EventPublisher<IslandGuardEvent> events = new EventPublisher<>();
    private final List<IslandGuardEvent> seen = new CopyOnWriteArrayList<>();
    private IslandStateMachine machine;

    @BeforeEach
    void setUp() {
        events.subscribe(seen::add);
        machine = new IslandStateMachine("g", "zoneA", LEASE.toNanos(), RECHECK.toNanos(), events);
    }

    private Step quorum(io.nines.topology.QuorumSignal.State s) {
        return machine.onQuorum(s, clock.nanoTime(), clock.currentTimeMillis());
    }

    private Step checkDone(long id, Peer answered, io.nines.topology.QuorumSignal.State live) {
        return machine.onCheckDone(id, answered, live, clock.nanoTime(), clock.currentTimeMillis());
    }

    private Step timer() {
        return machine.onTimer(clock.nanoTime(), clock.currentTimeMillis());
    }

    @Test
    void suspendedStartsADoubleCheckAtOnceAndNoAnswerDeclaresAnIsland() {
        assertThat(quorum(CONNECTED)).isEqualTo(Step.NONE);
        assertThat(machine.state()).isEqualTo(State.OK);

        Step s = quorum(SUSPENDED);
        assertThat(machine.state()).isEqualTo(State.SUSPECTED);
        assertThat(s.startCheck()).isPositive();
        assertThat(s.wakeInNanos()).isEqualTo(LEASE.toNanos()); // the lease limit is the only timer while checking

        clock.advance(Duration.ofMillis(1500)); // the double check ran out
        checkDone(s.startCheck(), null, SUSPENDED);
        assertThat(machine.state()).isEqualTo(State.ISLAND);
        assertThat(machine.reason()).isEqualTo(Reason.NO_PEER_ANSWERED);
        assertThat(machine.refusalMessage()).contains("zone 'zoneA' is an island", "retry in another zone");
        assertThat(seen).hasSize(2);
        assertThat(seen.get(0)).isInstanceOf(IslandGuardEvent.Suspected.class);
        assertThat(((IslandGuardEvent.Declared) seen.get(1)).suspectedMillis()).isEqualTo(1500);

        // Peers answering later does not clear an island: only the quorum does.
        assertThat(timer()).isEqualTo(Step.NONE);
        assertThat(machine.state()).isEqualTo(State.ISLAND);
        clock.advance(Duration.ofSeconds(10));
        quorum(CONNECTED);
        assertThat(machine.state()).isEqualTo(State.OK);
        assertThat(machine.reason()).isNull();
        IslandGuardEvent.Cleared cleared = (IslandGuardEvent.Cleared) seen.get(2);
        assertThat(cleared.previous()).isEqualTo(State.ISLAND);
        assertThat(cleared.durationMillis()).isEqualTo(11_500);
    }

    @Test
    void aPeerAnsweringMeansAStoreBlipRecheckedUntilTheQuorumReturns() {
        long first = quorum(SUSPENDED).startCheck();
        clock.advance(Duration.ofMillis(20));
        Step s = checkDone(first, PEER_B, SUSPENDED);
        assertThat(machine.state()).isEqualTo(State.SUSPECTED);
        assertThat(s.startCheck()).isZero();
        assertThat(s.wakeInNanos()).isEqualTo(RECHECK.toNanos()); // recheck due before the lease limit

        clock.advance(RECHECK);
        Step again = timer();
        assertThat(again.startCheck()).isGreaterThan(first);
        clock.advance(Duration.ofMillis(30));
        checkDone(again.startCheck(), PEER_B, SUSPENDED);
        assertThat(seen).filteredOn(IslandGuardEvent.PeerAnswered.class::isInstance).hasSize(2);

        quorum(CONNECTED);
        assertThat(machine.state()).isEqualTo(State.OK);
        assertThat(((IslandGuardEvent.Cleared) seen.get(seen.size() - 1)).previous()).isEqualTo(State.SUSPECTED);
        assertThat(seen).noneMatch(IslandGuardEvent.Declared.class::isInstance);
    }

    @Test
    void peersReachableButQuorumLostForASessionTimeoutIsALeaseExpiry() {
        long id = quorum(SUSPENDED).startCheck();
        checkDone(id, PEER_B, SUSPENDED);
        for (int i = 0; i < 5; i++) {
            clock.advance(RECHECK);
            long next = timer().startCheck();
            assertThat(next).isPositive();
            checkDone(next, PEER_B, SUSPENDED);
            assertThat(machine.state()).isEqualTo(State.SUSPECTED);
        }
        clock.advance(RECHECK); // 6 s since the loss: the session (lease) may be gone
        timer();
        assertThat(machine.state()).isEqualTo(State.ISLAND);
        assertThat(machine.reason()).isEqualTo(Reason.LEASE_EXPIRED);
    }

    @Test
    void lostIsALeaseExpiryAtOnceWhateverThePeersSay() {
        quorum(SUSPENDED);
        quorum(LOST);
        assertThat(machine.state()).isEqualTo(State.ISLAND);
        assertThat(machine.reason()).isEqualTo(Reason.LEASE_EXPIRED);

        quorum(CONNECTED);
        Step s = quorum(LOST); // straight from OK (e.g. a store that reports LOST first)
        assertThat(s.startCheck()).isZero();
        assertThat(machine.state()).isEqualTo(State.ISLAND);
        assertThat(seen).filteredOn(IslandGuardEvent.Suspected.class::isInstance).hasSize(2);
    }

    @Test
    void aResultOfAnEarlierSuspicionIsIgnored() {
        long old = quorum(SUSPENDED).startCheck();
        quorum(CONNECTED);
        long current = quorum(SUSPENDED).startCheck();
        assertThat(current).isNotEqualTo(old);
        checkDone(old, null, SUSPENDED); // late "no answer" of the first suspicion
        assertThat(machine.state()).isEqualTo(State.SUSPECTED);
        checkDone(current, PEER_B, SUSPENDED);
        assertThat(machine.state()).isEqualTo(State.SUSPECTED);
    }

    @Test
    void noAnswerWhileTheQuorumIsAlreadyBackDeclaresNothing() {
        long id = quorum(SUSPENDED).startCheck();
        Step s = checkDone(id, null, CONNECTED); // the CONNECTED event is still queued behind this result
        assertThat(machine.state()).isEqualTo(State.SUSPECTED);
        assertThat(s.wakeInNanos()).isZero(); // probe again at once
        quorum(CONNECTED);
        assertThat(machine.state()).isEqualTo(State.OK);
        assertThat(seen).noneMatch(IslandGuardEvent.Declared.class::isInstance);
    }

    @Test
    void repeatedSignalsChangeNothing() {
        long id = quorum(SUSPENDED).startCheck();
        Step s = quorum(SUSPENDED);
        assertThat(s.startCheck()).isZero();
        assertThat(machine.runningCheck()).isEqualTo(id);
        quorum(CONNECTED);
        quorum(CONNECTED);
        assertThat(seen).hasSize(2); // Suspected, Cleared
    }
}
