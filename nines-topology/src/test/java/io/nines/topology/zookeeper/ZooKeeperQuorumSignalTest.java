package io.nines.topology.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.nines.topology.Leadership;
import io.nines.topology.QuorumSignal;
import io.nines.topology.QuorumSignal.State;
import io.nines.topology.TopologyStoreException;
import io.nines.topology.TopologyView;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The island guard's input: stop the only ZooKeeper server and the store must say SUSPENDED at once ("lease
 * possibly lost"), then LOST after the session timeout, while leadership is dropped and cached topology keeps
 * being served; restart it and the store says CONNECTED again.
 */
class ZooKeeperQuorumSignalTest {

    private static final Duration SESSION = Duration.ofSeconds(2);
    private TestingServer server;
    private ZooKeeperTopologyStore store;
    private ZooKeeperTopologyStore writer;

    @BeforeEach
    void start() throws Exception {
        // A short tick lets the server grant a 2 s session (ZooKeeper allows 2..20 ticks).
        server = new TestingServer(new InstanceSpec(null, -1, -1, -1, true, -1, 100, -1), true);
        store = ZooKeeperTopologyStore.builder(server.getConnectString())
                .namespace("quorum")
                .sessionTimeout(SESSION)
                .connectionTimeout(Duration.ofMillis(500))
                .retry(Duration.ofMillis(50), Duration.ofMillis(200), 1)
                .build();
        assertThat(store.awaitConnected(Duration.ofSeconds(10))).isTrue();
    }

    @AfterEach
    void stop() throws Exception {
        if (writer != null) {
            writer.close();
        }
        store.close();
        server.close();
    }

    @Test
    void stoppingTheServerSuspendsThenLosesTheLeaseAndRestartReconnects() throws Exception {
        QuorumSignal quorum = store.quorum();
        await().atMost(Duration.ofSeconds(10)).until(() -> quorum.state() == State.CONNECTED);
        List<QuorumSignal.Change> changes = new CopyOnWriteArrayList<>();
        quorum.listen(changes::add);
        Instant connectedSince = quorum.since();

        store.create(ZooKeeperTopologyStoreTest.orders(1, 1));
        TopologyView view = store.view("orders-db");
        await().atMost(Duration.ofSeconds(10)).until(() -> view.epoch() == 1);
        Leadership leadership = store.elect("managers", "m1");
        assertThat(leadership.awaitLeadership(Duration.ofSeconds(10))).isTrue();
        List<Boolean> leaderChanges = new CopyOnWriteArrayList<>();
        leadership.listen(c -> leaderChanges.add(c.leader()));

        long stoppedAt = System.nanoTime();
        server.stop();

        await().atMost(Duration.ofSeconds(5)).until(() -> quorum.state() != State.CONNECTED);
        assertThat(changes.get(0).previous()).isEqualTo(State.CONNECTED);
        assertThat(changes.get(0).state()).isEqualTo(State.SUSPENDED);
        assertThat(quorum.hasQuorum()).isFalse();
        assertThat(quorum.since()).isAfterOrEqualTo(connectedSince);
        // The manager stops acting as soon as the lease is in doubt.
        await().atMost(Duration.ofSeconds(5)).until(() -> !leadership.isLeader());
        assertThat(leaderChanges).contains(false);
        // Unguarded reads go on from the cached topology.
        assertThat(view.current().orElseThrow().epoch()).isEqualTo(1);

        await().atMost(Duration.ofSeconds(15)).until(() -> quorum.state() == State.LOST);
        long lostAfterMillis = (System.nanoTime() - stoppedAt) / 1_000_000;
        // Curator declares the session lost once it has been suspended for the session timeout.
        assertThat(lostAfterMillis).isGreaterThanOrEqualTo(SESSION.toMillis() - 200);
        assertThat(changes).extracting(QuorumSignal.Change::state).containsSubsequence(State.SUSPENDED, State.LOST);
        QuorumSignal.Change lost = changes.get(changes.size() - 1);
        assertThat(lost.nanoTime()).isEqualTo(quorum.sinceNanos());
        assertThat(view.current().orElseThrow().epoch()).isEqualTo(1);
        // The store itself cannot be read: reads fail fast with a store error instead of hanging.
        assertThatThrownBy(() -> store.get("orders-db"))
                .isInstanceOf(TopologyStoreException.class).hasMessageContaining("orders-db");

        server.restart();
        await().atMost(Duration.ofSeconds(15)).until(() -> quorum.state() == State.CONNECTED);
        assertThat(changes.get(changes.size() - 1).previous()).isIn(State.LOST, State.SUSPENDED);
        // The only participant is elected again on the new session, and the view follows new epochs.
        assertThat(leadership.awaitLeadership(Duration.ofSeconds(10))).isTrue();
        writer = ZooKeeperTopologyStore.builder(server.getConnectString()).namespace("quorum").build();
        assertThat(writer.awaitConnected(Duration.ofSeconds(10))).isTrue();
        assertThat(writer.compareAndSet("orders-db", 1, ZooKeeperTopologyStoreTest.orders(2, 1))).isTrue();
        await().atMost(Duration.ofSeconds(10)).until(() -> view.epoch() == 2);
        view.close();
    }
}
