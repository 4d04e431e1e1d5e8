package io.nines.topology.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.nines.core.Clock;
import io.nines.core.InvalidConfigException;
import io.nines.core.event.EventPublisher.Subscription;
import io.nines.topology.ClusterExistsException;
import io.nines.topology.ClusterTopology;
import io.nines.topology.ClusterTopology.Kind;
import io.nines.topology.Endpoint;
import io.nines.topology.Endpoint.Role;
import io.nines.topology.Leadership;
import io.nines.topology.QuorumSignal;
import io.nines.topology.TopologyStore;
import io.nines.topology.TopologyView;
import io.nines.topology.internal.TopologyCodec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Against a real in-process ZooKeeper server (curator-test). */
class ZooKeeperTopologyStoreTest {

    private static final Duration WAIT = Duration.ofSeconds(15);
    private static final AtomicInteger NAMESPACES = new AtomicInteger();
    private static TestingServer server;

    private final List<AutoCloseable> toClose = new ArrayList<>();
    private final String namespace = "t" + NAMESPACES.incrementAndGet();

    @BeforeAll
    static void startServer() throws Exception {
        server = new TestingServer(true);
    }

    @AfterAll
    static void stopServer() throws Exception {
        server.close();
    }

    @AfterEach
    void closeAll() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
    }

    private ZooKeeperTopologyStore store() throws InterruptedException {
        ZooKeeperTopologyStore s = ZooKeeperTopologyStore.builder(server.getConnectString())
                .namespace(namespace)
                .build();
        toClose.add(s);
        assertThat(s.awaitConnected(WAIT)).isTrue();
        return s;
    }

    static ClusterTopology orders(long epoch, int marker) {
        return ClusterTopology.of("orders-db", Kind.MARIADB, epoch,
                new Endpoint("db1", "10.0.1.5", 3306, "a", Role.PRIMARY, marker, Endpoint.State.UP),
                Endpoint.of("db2", "10.0.2.5", 3306, "b", Role.REPLICA));
    }

    @Test
    void configIsValidated() {
        assertThatThrownBy(() -> ZooKeeperTopologyStore.builder("").config())
                .isInstanceOfSatisfying(InvalidConfigException.class, e -> assertThat(e.field()).isEqualTo("connectString"));
        assertThatThrownBy(() -> ZooKeeperTopologyStore.builder("h:1").namespace("a/b").config())
                .isInstanceOfSatisfying(InvalidConfigException.class, e -> assertThat(e.field()).isEqualTo("namespace"));
        assertThatThrownBy(() -> ZooKeeperTopologyStore.builder("h:1").connectionTimeout(Duration.ofSeconds(10)).config())
                .isInstanceOfSatisfying(InvalidConfigException.class, e -> assertThat(e.field()).isEqualTo("connectionTimeout"));
        assertThatThrownBy(() -> ZooKeeperTopologyStore.builder("h:1").sessionTimeout(Duration.ZERO).config())
                .isInstanceOfSatisfying(InvalidConfigException.class, e -> assertThat(e.field()).isEqualTo("sessionTimeout"));
        ZooKeeperStoreConfig c = ZooKeeperTopologyStore.builder("h:1").config();
        assertThat(c.sessionTimeout()).isEqualTo(Duration.ofSeconds(6));
        assertThat(c.connectionTimeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(c.namespace()).isEqualTo("nines");
    }

    @Test
    void createGetListAndTheZnodeLayout() throws Exception {
        ZooKeeperTopologyStore s = store();
        assertThat(s.quorum().state()).isEqualTo(QuorumSignal.State.CONNECTED);
        assertThat(s.clusters()).isEmpty();
        assertThat(s.get("orders-db")).isEmpty();
        s.create(orders(1, 1));
        s.create(ClusterTopology.of("cache", Kind.REDIS, 0, Endpoint.of("r1", "h", 6379, "a", Role.SHARD)));
        assertThat(s.get("orders-db")).contains(orders(1, 1));
        assertThat(s.clusters()).containsExactly("cache", "orders-db");
        assertThatThrownBy(() -> s.create(orders(1, 2))).isInstanceOf(ClusterExistsException.class);

        // Another client sees the JSON at /<namespace>/topology/clusters/<name>.
        try (CuratorFramework raw = CuratorFrameworkFactory.newClient(server.getConnectString(), new RetryOneTime(100))) {
            raw.start();
            byte[] data = raw.getData().forPath("/" + namespace + "/topology/clusters/orders-db");
            assertThat(new String(data, StandardCharsets.UTF_8)).contains("\"epoch\":1", "\"kind\":\"mariadb\"", "\"role\":\"primary\"");
            assertThat(TopologyCodec.readStored(data, "x").topology()).isEqualTo(orders(1, 1));
        }
    }

    @Test
    void compareAndSetChecksTheEpoch() throws Exception {
        ZooKeeperTopologyStore s = store();
        assertThat(s.compareAndSet("orders-db", 0, orders(1, 1))).as("absent cluster").isFalse();
        s.create(orders(3, 1));
        assertThat(s.compareAndSet("orders-db", 2, orders(3, 2))).as("stale expectation").isFalse();
        assertThat(s.compareAndSet("orders-db", 3, orders(4, 2))).isTrue();
        assertThat(s.compareAndSet("orders-db", 3, orders(4, 3))).as("the same expectation twice").isFalse();
        assertThat(s.get("orders-db")).contains(orders(4, 2));
        assertThatThrownBy(() -> s.compareAndSet("orders-db", 4, orders(6, 1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("expectedEpoch + 1 = 5");
        assertThatThrownBy(() -> s.compareAndSet("other", 4, orders(5, 1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'other'");
        assertThat(s.compareAndSet("orders-db", 4, orders(4, 1).promote("db2"))).isTrue();
        assertThat(s.get("orders-db").orElseThrow().primary().map(Endpoint::id)).contains("db2");
    }

    @Test
    void concurrentCompareAndSetHasExactlyOneWinnerPerEpoch() throws Exception {
        int stores = 3;
        int threadsPerStore = 2;
        int threads = stores * threadsPerStore;
        int rounds = 15;
        List<TopologyStore> clients = new ArrayList<>();
        for (int i = 0; i < stores; i++) {
            clients.add(store()); // separate sessions, as separate managers would have
        }
        clients.get(0).create(orders(0, 0));
        AtomicIntegerArray winners = new AtomicIntegerArray(rounds);
        AtomicIntegerArray winner = new AtomicIntegerArray(rounds);
        CyclicBarrier barrier = new CyclicBarrier(threads);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int id = t + 1;
                TopologyStore s = clients.get(t % stores);
                futures.add(pool.submit(() -> {
                    for (int r = 0; r < rounds; r++) {
                        barrier.await(10, TimeUnit.SECONDS);
                        if (s.compareAndSet("orders-db", r, orders(r + 1, id))) {
                            winners.incrementAndGet(r);
                            winner.set(r, id);
                        }
                        barrier.await(10, TimeUnit.SECONDS); // everyone done with round r
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        for (int r = 0; r < rounds; r++) {
            assertThat(winners.get(r)).as("winners of round %d", r).isEqualTo(1);
        }
        ClusterTopology last = clients.get(1).get("orders-db").orElseThrow();
        assertThat(last.epoch()).isEqualTo(rounds);
        assertThat(last.endpoint("db1").orElseThrow().weight()).isEqualTo(winner.get(rounds - 1));
    }

    @Test
    void watchDeliversCurrentThenChangesInOrder() throws Exception {
        ZooKeeperTopologyStore writer = store();
        ZooKeeperTopologyStore reader = store();
        List<Long> early = new CopyOnWriteArrayList<>();
        Subscription beforeCreate = reader.watch("orders-db", t -> early.add(t.epoch()));
        writer.create(orders(1, 1));
        await().atMost(WAIT).until(() -> early.contains(1L));

        int last = 25;
        for (int e = 1; e < last; e++) {
            assertThat(writer.compareAndSet("orders-db", e, orders(e + 1, 1))).isTrue();
        }
        await().atMost(WAIT).until(() -> !early.isEmpty() && early.get(early.size() - 1) == last);
        assertStrictlyIncreasing(early);

        // A late subscriber first gets the current topology.
        List<Long> late = new CopyOnWriteArrayList<>();
        reader.watch("orders-db", t -> late.add(t.epoch()));
        await().atMost(WAIT).until(() -> late.equals(List.of((long) last)));
        beforeCreate.close();
        assertThat(writer.compareAndSet("orders-db", last, orders(last + 1, 1))).isTrue();
        await().atMost(WAIT).until(() -> late.equals(List.of((long) last, last + 1L)));
        assertThat(early).doesNotContain(last + 1L);
    }

    @Test
    void aLowerEpochWrittenBehindTheStoresBackIsNeverDelivered() throws Exception {
        ZooKeeperTopologyStore s = store();
        s.create(orders(5, 1));
        List<Long> seen = new CopyOnWriteArrayList<>();
        s.watch("orders-db", t -> seen.add(t.epoch()));
        TopologyView view = s.view("orders-db");
        toClose.add(view);
        List<Long> viewSeen = new CopyOnWriteArrayList<>();
        view.listen(t -> viewSeen.add(t.epoch()));
        await().atMost(WAIT).until(() -> view.epoch() == 5 && seen.equals(List.of(5L)));

        // A stale manager (or an operator) overwrites the node with epoch 3, bypassing compare-and-set.
        String path = "/" + namespace + "/topology/clusters/orders-db";
        try (CuratorFramework raw = CuratorFrameworkFactory.newClient(server.getConnectString(), new RetryOneTime(100))) {
            raw.start();
            raw.setData().forPath(path, TopologyCodec.writeStored(orders(3, 9), null));
            raw.setData().forPath(path, "{not json".getBytes(StandardCharsets.UTF_8));
            raw.setData().forPath(path, TopologyCodec.writeStored(orders(6, 1), null));
        }
        await().atMost(WAIT).until(() -> view.epoch() == 6);
        await().atMost(WAIT).until(() -> seen.contains(6L));
        assertThat(seen).containsExactly(5L, 6L);
        assertThat(viewSeen).containsExactly(5L, 6L);
        assertThat(view.offer(orders(4, 1))).isFalse();
        assertThat(view.current()).contains(orders(6, 1));
    }

    @Test
    void leadershipPassesToTheOtherParticipantWhenTheLeaderCloses() throws Exception {
        ZooKeeperTopologyStore s1 = store();
        ZooKeeperTopologyStore s2 = store();
        Leadership m1 = s1.elect("managers", "m1");
        Leadership m2 = s2.elect("managers", "m2");
        List<Leadership.Change> m2Changes = new CopyOnWriteArrayList<>();
        m2.listen(m2Changes::add);
        await().atMost(WAIT).until(() -> m1.isLeader() ^ m2.isLeader());
        Leadership leader = m1.isLeader() ? m1 : m2;
        Leadership follower = leader == m1 ? m2 : m1;
        assertThat(follower.leader()).contains(leader.participantId());
        assertThat(leader.leader()).contains(leader.participantId());
        assertThat(follower.awaitLeadership(Duration.ofMillis(200))).isFalse();

        leader.close();
        assertThat(leader.isLeader()).isFalse();
        assertThat(follower.awaitLeadership(WAIT)).isTrue();
        assertThat(follower.isLeader()).isTrue();
        assertThat(follower.leader()).contains(follower.participantId());
        if (follower == m2) {
            await().atMost(WAIT).until(() -> m2Changes.stream().anyMatch(Leadership.Change::leader));
            assertThat(m2Changes.get(m2Changes.size() - 1))
                    .extracting(Leadership.Change::group, Leadership.Change::participantId, Leadership.Change::leader)
                    .containsExactly("managers", "m2", true);
        }
        follower.close();
    }

    @Test
    void closingTheLeadersStoreEndsItsSessionAndHandsOver() throws Exception {
        ZooKeeperTopologyStore s1 = store();
        ZooKeeperTopologyStore s2 = store();
        Leadership m1 = s1.elect("managers", "m1");
        assertThat(m1.awaitLeadership(WAIT)).isTrue();
        Leadership m2 = s2.elect("managers", "m2");
        assertThat(m2.isLeader()).isFalse();
        s1.close();
        assertThat(m1.isLeader()).isFalse();
        assertThat(m2.awaitLeadership(WAIT)).isTrue();
    }

    @Test
    void usingAGivenClientLeavesItOpen() throws Exception {
        try (CuratorFramework raw = CuratorFrameworkFactory.newClient(server.getConnectString(), new RetryOneTime(100))) {
            ZooKeeperTopologyStore s = ZooKeeperTopologyStore.using(raw, namespace, Clock.system());
            assertThat(s.awaitConnected(WAIT)).isTrue();
            await().atMost(WAIT).until(() -> s.quorum().hasQuorum());
            s.create(orders(0, 1));
            s.close();
            assertThat(raw.checkExists().forPath("/" + namespace + "/topology/clusters/orders-db")).isNotNull();
        }
    }

    static void assertStrictlyIncreasing(List<Long> epochs) {
        for (int i = 1; i < epochs.size(); i++) {
            assertThat(epochs.get(i)).as("delivery %d of %s", i, epochs).isGreaterThan(epochs.get(i - 1));
        }
    }
}
