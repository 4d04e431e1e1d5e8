package io.nines.jdbc.island;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.nines.core.CallContext;
import io.nines.core.Clock;
import io.nines.core.IslandFencedException;
import io.nines.core.Pipeline;
import io.nines.core.Refusal;
import io.nines.core.retry.NonRetryableReason;
import io.nines.core.retry.Retry;
import io.nines.core.retry.RetryClassifier;
import io.nines.jdbc.FailoverInProgressException;
import io.nines.jdbc.IslandFencedSQLException;
import io.nines.jdbc.TinyHttpServer;
import io.nines.topology.QuorumSignal;
import io.nines.topology.internal.QuorumState;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The guard with its real thread and real probes (loopback sockets), fed by a quorum signal the test drives.
 * Timings are printed as "MEASURED ..." lines.
 */
class IslandGuardTest {

    private static final Duration SESSION = Duration.ofSeconds(3);
    private static final Duration DOUBLE_CHECK = Duration.ofMillis(600);
    private static final Duration PROBE = Duration.ofMillis(200);
    private static final Duration RECHECK = Duration.ofMillis(200);

    private final QuorumState quorum = new QuorumState(QuorumSignal.State.CONNECTED, Clock.system());
    private final List<IslandGuardEvent> events = new CopyOnWriteArrayList<>();
    private IslandGuard guard;

    @AfterEach
    void tearDown() {
        if (guard != null) {
            guard.close();
        }
    }

    private IslandGuard guard(InetSocketAddress peer, PeerProbe probe) {
        guard = IslandGuard.builder("test-island").quorum(quorum).zone("zoneA")
                .peer("zoneA", "127.0.0.1", 1) // own zone: dropped
                .peer("zoneB", peer)
                .probe(probe)
                .storeSessionTimeout(SESSION).doubleCheckTimeout(DOUBLE_CHECK).probeTimeout(PROBE)
                .recheckInterval(RECHECK)
                .build();
        guard.events().subscribe(events::add);
        return guard;
    }

    @Test
    @SuppressWarnings("try") // the peer is stopped inside its try block on purpose
    void suspendedWithAnAnsweringPeerIsABlipAndAPeerThatStopsAnsweringMakesAnIsland() throws Exception {
        try (TinyHttpServer peer = new TinyHttpServer()) {
            guard(peer.address(), PeerProbe.httpGet("/health"));
            assertThat(guard.config().peers()).containsExactly(Peer.of("zoneB", peer.address()));
            assertThat(guard.state()).isEqualTo(IslandGuard.State.OK);

            quorum.transition(QuorumSignal.State.SUSPENDED);
            await().atMost(Duration.ofSeconds(2)).until(() -> events.stream()
                    .filter(IslandGuardEvent.PeerAnswered.class::isInstance).count() >= 3); // rechecked
            assertThat(guard.state()).isEqualTo(IslandGuard.State.SUSPECTED);
            assertThat(guard.allowsGuarded()).isTrue();
            guard.check(); // does not throw

            long stopped = System.nanoTime();
            peer.close();
            await().atMost(Duration.ofSeconds(3)).until(() -> guard.state() == IslandGuard.State.ISLAND);
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - stopped);
            System.out.println("MEASURED peer stopped answering to island (recheck " + RECHECK.toMillis()
                    + " ms + double check " + DOUBLE_CHECK.toMillis() + " ms): " + millis + " ms");
            assertThat(guard.reason()).isEqualTo(IslandGuard.Reason.NO_PEER_ANSWERED);
            assertThat(millis).isLessThan(RECHECK.plus(DOUBLE_CHECK).toMillis() + 500);
        }
        assertThatThrownBy(guard::check).isInstanceOf(IslandFencedException.class)
                .hasMessageContaining("zone 'zoneA' is an island")
                .satisfies(e -> assertThat(((IslandFencedException) e).refusal()).isEqualTo(Refusal.ISLAND_FENCED));

        quorum.transition(QuorumSignal.State.CONNECTED);
        await().atMost(Duration.ofSeconds(2)).until(() -> guard.state() == IslandGuard.State.OK);
        assertThat(events.get(events.size() - 1)).isInstanceOfSatisfying(IslandGuardEvent.Cleared.class,
                c -> assertThat(c.previous()).isEqualTo(IslandGuard.State.ISLAND));
    }

    @Test
    void noPeerAnsweringDeclaresAnIslandAfterTheDoubleCheck() throws Exception {
        // A peer that accepts connections but never answers: as a blackholed zone seen through a local relay.
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            guard(new InetSocketAddress(InetAddress.getLoopbackAddress(), silent.getLocalPort()), PeerProbe.greeting());
            long lost = System.nanoTime();
            quorum.transition(QuorumSignal.State.SUSPENDED);
            await().atMost(Duration.ofSeconds(3)).until(() -> guard.state() == IslandGuard.State.ISLAND);
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - lost);
            System.out.println("MEASURED quorum suspended to island, no peer answering (double check "
                    + DOUBLE_CHECK.toMillis() + " ms): " + millis + " ms");
            assertThat(millis).isBetween(DOUBLE_CHECK.toMillis() - 50, DOUBLE_CHECK.toMillis() + 500);
            assertThat(events).extracting(e -> e.getClass().getSimpleName()).containsExactly("Suspected", "Declared");
        }
    }

    @Test
    void peersAnsweringDoNotStopALeaseExpiry() throws Exception {
        try (TinyHttpServer peer = new TinyHttpServer()) {
            guard(peer.address(), PeerProbe.httpGet("/"));
            long lost = System.nanoTime();
            quorum.transition(QuorumSignal.State.SUSPENDED);
            await().atMost(SESSION.plusSeconds(2)).until(() -> guard.state() == IslandGuard.State.ISLAND);
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - lost);
            assertThat(guard.reason()).isEqualTo(IslandGuard.Reason.LEASE_EXPIRED);
            assertThat(millis).isBetween(SESSION.toMillis() - 50, SESSION.toMillis() + 500);
            assertThat(peer.requests()).isGreaterThanOrEqualTo(5); // it kept answering all along
        }
    }

    @Test
    void asAPipelineOuterGateItRefusesWithTheCoreRefusal() throws Exception {
        try (ServerSocket closed = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            guard(new InetSocketAddress(InetAddress.getLoopbackAddress(), closed.getLocalPort()), PeerProbe.tcpConnect());
        }
        AtomicInteger runs = new AtomicInteger();
        Pipeline debit = Pipeline.builder("debit").outerGate(guard)
                .retry(Retry.builder("debit").maxAttempts(3).build()).build();
        assertThat(debit.call(CallContext.DEFAULT, runs::incrementAndGet)).isEqualTo(1);

        quorum.transition(QuorumSignal.State.LOST);
        await().atMost(Duration.ofSeconds(2)).until(() -> guard.state() == IslandGuard.State.ISLAND);
        assertThatThrownBy(() -> debit.call(CallContext.DEFAULT, runs::incrementAndGet))
                .isInstanceOf(IslandFencedException.class);
        assertThat(runs).hasValue(1);

        // The SQL form carries the core refusal: not retried by nines-core, mapped to island_fenced.
        IslandFencedSQLException sql = IslandFencedSQLException.of(new IslandFencedException("g", "island"));
        assertThat(sql.getSQLState()).isEqualTo("NI001");
        assertThat(sql.refusal()).isEqualTo(Refusal.ISLAND_FENCED);
        assertThat(sql.toRefusedException().policy()).isEqualTo("g");
        assertThat(RetryClassifier.isTransient(sql)).isFalse();
        assertThat(RetryClassifier.of(Retry.builder("r").config()).classify(CallContext.DEFAULT, sql))
                .isEqualTo(NonRetryableReason.REFUSED);
        // While a failover in progress is retryable.
        FailoverInProgressException failover = new FailoverInProgressException(
                FailoverInProgressException.Reason.NO_PRIMARY, "c", 3, null, "none", null);
        assertThat(failover.getSQLState()).isEqualTo("08N01");
        assertThat(RetryClassifier.isTransient(failover)).isTrue();
    }

    @Test
    void bounds() {
        IslandGuardConfig c = IslandGuard.builder("b").zone("zoneA").peer("zoneB", "h", 1)
                .storeSessionTimeout(Duration.ofSeconds(6)).doubleCheckTimeout(Duration.ofSeconds(2)).config();
        assertThat(c.declarationBound()).isEqualTo(Duration.ofSeconds(8));
        assertThat(c.fenceBound()).isEqualTo(Duration.ofSeconds(12));
        assertThat(IslandGuard.disabled("d").declarationBound()).isZero();
    }

    @Test
    void probes() throws Exception {
        Duration t = Duration.ofMillis(300);
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        Peer closed = Peer.of("zoneB", "127.0.0.1", closedPort);
        assertThat(PeerProbe.tcpConnect().answers(closed, t)).isFalse();
        assertThat(PeerProbe.httpGet("/").answers(closed, t)).isFalse();
        assertThat(PeerProbe.tcpConnect().answers(Peer.of("zoneB", "no-such-host.invalid", 80), t)).isFalse();

        try (ServerSocket greeter = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread.ofVirtual().start(() -> {
                while (true) {
                    try (Socket s = greeter.accept(); OutputStream out = s.getOutputStream()) {
                        out.write('!');
                        out.flush();
                    } catch (IOException e) {
                        return;
                    }
                }
            });
            Peer p = Peer.of("zoneB", "127.0.0.1", greeter.getLocalPort());
            assertThat(PeerProbe.tcpConnect().answers(p, t)).isTrue();
            assertThat(PeerProbe.greeting().answers(p, t)).isTrue();
            assertThat(PeerProbe.httpGet("/").answers(p, t)).isFalse(); // one byte is not an HTTP status line
        }
        try (TinyHttpServer http = new TinyHttpServer()) {
            assertThat(PeerProbe.httpGet("/health").answers(Peer.of("zoneB", http.address()), t)).isTrue();
        }
        assertThatThrownBy(() -> PeerProbe.httpGet("no-slash")).isInstanceOf(IllegalArgumentException.class);
    }
}
