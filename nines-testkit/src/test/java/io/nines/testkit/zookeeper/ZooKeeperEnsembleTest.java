package io.nines.testkit.zookeeper;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nines.testkit.net.Link;
import io.nines.testkit.net.ZoneNetwork;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.retry.RetryNTimes;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A real three-node quorum, one node per zone, peers routed through a {@link ZoneNetwork}. Timings are
 * printed as "MEASURED ..." lines (surefire's output file) for the report.
 */
class ZooKeeperEnsembleTest {

    private static final int SESSION_MS = 6_000;

    private final ZoneNetwork net = new ZoneNetwork();
    private ZooKeeperEnsemble zk;
    private final Queue<CuratorFramework> clients = new ConcurrentLinkedQueue<>();

    @AfterEach
    void tearDown() {
        clients.forEach(CuratorFramework::close);
        if (zk != null) {
            zk.close();
            assertThat(zk.dataDir()).doesNotExist();
        }
        net.close();
    }

    private ZooKeeperEnsemble startEnsemble() throws Exception {
        long t0 = System.nanoTime();
        zk = ZooKeeperEnsemble.builder().node("a").node("b").node("c").network(net).start();
        measured("ensemble start to all serving", t0);
        return zk;
    }

    @Test
    void threeNodesElectALeaderAndClientsInAnyZoneShareData() throws Exception {
        startEnsemble();
        int leader = zk.leader().orElseThrow();
        assertThat(List.of(1, 2, 3)).allMatch(id -> zk.isServing(id));
        assertThat(List.of(1, 2, 3).stream().filter(id -> zk.state(id) == NodeState.LEADING)).containsExactly(leader);
        assertThat(List.of(1, 2, 3).stream().filter(id -> zk.state(id) == NodeState.FOLLOWING)).hasSize(2);

        // Peers in different zones talk only through links.
        assertThat(net.bytesRelayed("a", "b")).isPositive();
        assertThat(net.bytesRelayed("b", "c")).isPositive();
        assertThat(net.bytesRelayed("a", "c")).isPositive();

        CuratorFramework writer = client(zk.connectString("a"));
        writer.create().forPath("/shared", "from-a".getBytes(UTF_8));
        CuratorFramework reader = client(zk.connectString("c", 3));
        reader.sync().forPath("/shared");
        assertThat(new String(reader.getData().forPath("/shared"), UTF_8)).isEqualTo("from-a");
        assertThat(zk.connectString("c", 3)).isEqualTo(hostPort(zk, 3));
        assertThat(zk.connectString("c", 1)).isNotEqualTo(hostPort(zk, 1));
    }

    @Test
    void losingOneNodeKeepsQuorumAndARestartedNodeRejoinsThroughTheLinks() throws Exception {
        startEnsemble();
        CuratorFramework client = client(zk.connectString("b"));
        client.create().forPath("/k", "1".getBytes(UTF_8));

        int oldLeader = zk.leader().orElseThrow();
        long t0 = System.nanoTime();
        zk.stop(oldLeader);
        assertThat(zk.state(oldLeader)).isEqualTo(NodeState.STOPPED);
        int newLeader = zk.awaitLeader(Duration.ofSeconds(20));
        measured("leader stopped to new leader serving", t0);
        assertThat(newLeader).isNotEqualTo(oldLeader);
        await().atMost(Duration.ofSeconds(20)).ignoreExceptions()
                .until(() -> client.setData().forPath("/k", "2".getBytes(UTF_8)) != null);

        t0 = System.nanoTime();
        zk.start(oldLeader);
        zk.awaitAllServing(Duration.ofSeconds(20));
        measured("stopped node restart to serving", t0);

        // Then every node in turn. A restarted node connects to the peers with lower ids itself; the
        // peers with higher ids drop its connection and connect back to the election address it
        // announces (its front door), which must cross the links too. Node 1 depends on that for both
        // others, node 2 for node 3, node 3 for none.
        for (int id = 1; id <= zk.size(); id++) {
            zk.stop(id);
            zk.awaitLeader(Duration.ofSeconds(20));
            String value = "while-" + id + "-was-down";
            await().atMost(Duration.ofSeconds(20)).ignoreExceptions()
                    .until(() -> client.setData().forPath("/k", value.getBytes(UTF_8)) != null);
            t0 = System.nanoTime();
            zk.start(id);
            zk.awaitServing(id, Duration.ofSeconds(20));
            measured("node " + id + " restart to serving", t0);
            zk.awaitAllServing(Duration.ofSeconds(20));
            assertElectionConnectionsCrossTheLinks();

            CuratorFramework onRestarted = client(zk.connectString(zk.zone(id), id));
            onRestarted.sync().forPath("/k");
            assertThat(new String(onRestarted.getData().forPath("/k"), UTF_8)).isEqualTo(value);
        }
    }

    /** Each pair of peers has its election connection, opened by the higher id, through their link. */
    private void assertElectionConnectionsCrossTheLinks() {
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            for (int low = 1; low <= zk.size(); low++) {
                for (int high = low + 1; high <= zk.size(); high++) {
                    Link link = net.link(zk.zone(high), zk.zone(low), zk.electionAddress(low));
                    assertThat(link.openConnections()).as("%d -> %d: %s / all: %s", high, low, link, net.links())
                            .isPositive();
                }
            }
        });
    }

    @Test
    void partitionedFollowerZoneSuspendsItsClientWhileTheMajorityWritesAndHealRejoins() throws Exception {
        startEnsemble();
        int leader = zk.leader().orElseThrow();
        int isolated = leader == 1 ? 2 : 1;
        partitionScenario(isolated, "follower");
    }

    @Test
    void partitionedLeaderZoneStepsDownAndTheMajorityElectsAnother() throws Exception {
        startEnsemble();
        int leader = zk.leader().orElseThrow();
        partitionScenario(leader, "leader");
    }

    private void partitionScenario(int isolated, String role) throws Exception {
        String cutZone = zk.zone(isolated);
        int other = isolated == 3 ? 2 : 3;
        String majorityZone = zk.zone(other);

        Queue<Event> islandEvents = new ConcurrentLinkedQueue<>();
        CuratorFramework island = client(zk.connectString(cutZone, isolated), islandEvents);
        CuratorFramework majority = client(zk.connectString(majorityZone));
        majority.create().forPath("/before", new byte[0]);

        long cutAt = System.nanoTime();
        net.partition(cutZone);

        await().atMost(Duration.ofSeconds(15))
                .until(() -> islandEvents.stream().anyMatch(e -> e.state == ConnectionState.SUSPENDED));
        long suspendedAt = islandEvents.stream().filter(e -> e.state == ConnectionState.SUSPENDED)
                .findFirst().orElseThrow().nanos;
        measured("partition of " + role + " zone to SUSPENDED on its client", cutAt, suspendedAt);
        assertThat(suspendedAt - cutAt).isLessThan(TimeUnit.SECONDS.toNanos(5));

        await().atMost(Duration.ofSeconds(15)).until(() -> zk.state(isolated) == NodeState.LOOKING);
        int newLeader = zk.awaitLeader(Duration.ofSeconds(15));
        measured("partition of " + role + " zone to a serving majority leader", cutAt);
        assertThat(newLeader).isNotEqualTo(isolated);
        assertThat(zk.isServing(isolated)).isFalse();

        await().atMost(Duration.ofSeconds(20)).ignoreExceptions()
                .until(() -> majority.create().forPath("/during", "majority".getBytes(UTF_8)) != null);
        measured("partition of " + role + " zone to first majority write", cutAt);
        // Still an island: nothing crosses the cut.
        assertThat(zk.state(isolated)).isEqualTo(NodeState.LOOKING);

        long healAt = System.nanoTime();
        net.heal();
        zk.awaitServing(isolated, Duration.ofSeconds(20));
        measured("heal to isolated node serving again", healAt);
        await().atMost(Duration.ofSeconds(20))
                .until(() -> islandEvents.stream().anyMatch(e -> e.nanos > healAt
                        && (e.state == ConnectionState.RECONNECTED || e.state == ConnectionState.CONNECTED)));
        measured("heal to island client reconnected", healAt,
                islandEvents.stream().filter(e -> e.nanos > healAt && e.state.isConnected()).findFirst().orElseThrow().nanos);
        System.out.println("MEASURED island client events: " + islandEvents.stream()
                .map(e -> e.state + "@" + TimeUnit.NANOSECONDS.toMillis(e.nanos - cutAt) + "ms").toList());

        await().atMost(Duration.ofSeconds(20)).ignoreExceptions().untilAsserted(() -> {
            island.sync().forPath("/during");
            assertThat(new String(island.getData().forPath("/during"), UTF_8)).isEqualTo("majority");
        });
    }

    private record Event(ConnectionState state, long nanos) {}

    private CuratorFramework client(String connectString) throws InterruptedException {
        return client(connectString, new ConcurrentLinkedQueue<>());
    }

    private CuratorFramework client(String connectString, Queue<Event> events) throws InterruptedException {
        CuratorFramework c = CuratorFrameworkFactory.builder()
                .connectString(connectString)
                .sessionTimeoutMs(SESSION_MS)
                .connectionTimeoutMs(3_000)
                .retryPolicy(new RetryNTimes(3, 200))
                .build();
        c.getConnectionStateListenable().addListener((cf, s) -> events.add(new Event(s, System.nanoTime())));
        clients.add(c);
        c.start();
        assertThat(c.blockUntilConnected(20, TimeUnit.SECONDS)).as("connected to " + connectString).isTrue();
        return c;
    }

    private static String hostPort(ZooKeeperEnsemble zk, int id) {
        return zk.clientAddress(id).getHostString() + ":" + zk.clientAddress(id).getPort();
    }

    private static void measured(String what, long startNanos) {
        measured(what, startNanos, System.nanoTime());
    }

    private static void measured(String what, long startNanos, long endNanos) {
        System.out.println("MEASURED " + what + ": " + TimeUnit.NANOSECONDS.toMillis(endNanos - startNanos) + " ms");
    }
}
