package io.nines.topology.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nines.topology.QuorumSignal.State;
import io.nines.topology.TopologyView;
import java.time.Duration;
import java.util.List;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingCluster;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A real three-server ensemble: clients pinned to different servers share topology, and a client whose server
 * is left without a majority sees its lease suspended (the island case), while its view keeps serving.
 */
class ZooKeeperEnsembleTest {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private TestingCluster cluster;
    private List<InstanceSpec> specs;
    private ZooKeeperTopologyStore a;
    private ZooKeeperTopologyStore b;

    @BeforeEach
    void start() throws Exception {
        specs = List.of(spec(1), spec(2), spec(3));
        cluster = new TestingCluster(specs);
        cluster.start();
    }

    private static InstanceSpec spec(int id) {
        return new InstanceSpec(null, -1, -1, -1, true, id, 200, -1);
    }

    private static ZooKeeperTopologyStore pinnedTo(InstanceSpec server) throws InterruptedException {
        ZooKeeperTopologyStore s = ZooKeeperTopologyStore.builder("127.0.0.1:" + server.getPort())
                .namespace("ensemble")
                .sessionTimeout(Duration.ofSeconds(4))
                .connectionTimeout(Duration.ofSeconds(1))
                .build();
        assertThat(s.awaitConnected(WAIT)).isTrue();
        return s;
    }

    @AfterEach
    void stop() throws Exception {
        if (a != null) {
            a.close();
        }
        if (b != null) {
            b.close();
        }
        cluster.close();
    }

    @Test
    void aServerWithoutMajoritySuspendsItsClientsUntilQuorumReturns() throws Exception {
        a = pinnedTo(specs.get(0));
        b = pinnedTo(specs.get(1));
        a.create(ZooKeeperTopologyStoreTest.orders(1, 1));
        // Reads sync with the leader first: b's server may lag, b still sees a's write at once.
        assertThat(b.get("orders-db")).contains(ZooKeeperTopologyStoreTest.orders(1, 1));
        TopologyView view = a.view("orders-db");
        assertThat(b.compareAndSet("orders-db", 1, ZooKeeperTopologyStoreTest.orders(2, 1))).isTrue();
        await().atMost(WAIT).until(() -> view.epoch() == 2);

        // Servers 2 and 3 go away: server 1 is alone, a minority, and stops serving.
        cluster.killServer(specs.get(1));
        cluster.killServer(specs.get(2));
        await().atMost(WAIT).until(() -> a.quorum().state() != State.CONNECTED);
        assertThat(a.quorum().state()).isIn(State.SUSPENDED, State.LOST);
        assertThat(view.current().orElseThrow().epoch()).isEqualTo(2);

        // A majority again (servers 1 and 2): the client reconnects and reads go on.
        cluster.restartServer(specs.get(1));
        await().atMost(WAIT).until(() -> a.quorum().state() == State.CONNECTED);
        await().atMost(WAIT).until(() -> a.get("orders-db").map(t -> t.epoch() == 2).orElse(false));
        view.close();
    }
}
