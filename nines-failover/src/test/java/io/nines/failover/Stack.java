package io.nines.failover;

import io.nines.testkit.mariadb.MariaDbCluster;
import io.nines.testkit.mariadb.MariaDbNode;
import io.nines.testkit.net.ZoneNetwork;
import io.nines.testkit.zookeeper.EmbeddedZooKeeper;
import io.nines.topology.ClusterTopology;
import io.nines.topology.Endpoint;
import io.nines.topology.TopologyView;
import io.nines.topology.zookeeper.ZooKeeperTopologyStore;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real stack for failover tests: zones joined by cuttable links, a ZooKeeper server, a MariaDB 10.11
 * replication cluster whose cross-zone replication goes through the links, an {@code app.t} table, and a
 * client-side topology store. Managers get configs whose node routes go through the links from their zone.
 */
final class Stack implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Stack.class);
    /** One unpacked copy of the MariaDB binaries for every test class of the run. */
    static final Path BINARIES = Path.of("target", "mariadb-bin").toAbsolutePath();

    final String cluster;
    final ZoneNetwork net;
    final EmbeddedZooKeeper zk;
    final MariaDbCluster db;
    final ZooKeeperTopologyStore client;
    private final List<FailoverManager> managers = new ArrayList<>();
    private final Set<String> zones = new LinkedHashSet<>();

    /** {@code nodes}: name → zone, the first is the primary. */
    Stack(String cluster, Map<String, String> nodes, String... managerZones) throws Exception {
        this.cluster = cluster;
        this.net = new ZoneNetwork();
        this.zk = EmbeddedZooKeeper.start();
        MariaDbCluster.Builder b = MariaDbCluster.builder().router(net::route).binaries(BINARIES)
                .semiSyncTimeout(Duration.ofSeconds(30));
        nodes.forEach(b::node);
        long t0 = System.nanoTime();
        this.db = b.start();
        LOG.info("stack {}: MariaDB cluster up in {} ms", cluster, (System.nanoTime() - t0) / 1_000_000);
        zones.addAll(nodes.values());
        zones.addAll(List.of(managerZones));
        db.primary().execute("CREATE DATABASE app",
                "CREATE TABLE app.t (id BIGINT PRIMARY KEY, writer INT NOT NULL, at TIMESTAMP(6) NOT NULL DEFAULT NOW(6))");
        db.awaitReplicasCaughtUp(Duration.ofSeconds(20));
        this.client = ZooKeeperTopologyStore.builder(zk.connectString()).namespace("it").build();
        client.awaitConnected(Duration.ofSeconds(10));
    }

    MariaDbNode node(String name) {
        return db.node(name);
    }

    /** A config for a manager in {@code zone}; {@code extra} is appended (detection/failover/audit sections). */
    String yaml(String managerId, String zone, String extra) {
        return yaml(managerId, zone, extra, null);
    }

    /** As {@link #yaml(String, String, String)} with a store session timeout (null: the default). */
    String yaml(String managerId, String zone, String extra, Duration sessionTimeout) {
        StringBuilder sb = new StringBuilder();
        sb.append("cluster: ").append(cluster).append('\n');
        sb.append("primary: ").append(db.primary().name()).append('\n');
        sb.append("nodes:\n");
        for (MariaDbNode n : db.nodes()) {
            InetSocketAddress a = n.address();
            sb.append("  - name: ").append(n.name()).append('\n');
            sb.append("    host: ").append(a.getAddress().getHostAddress()).append('\n');
            sb.append("    port: ").append(a.getPort()).append('\n');
            sb.append("    zone: ").append(n.zone()).append('\n');
            sb.append("    routes:\n");
            for (String z : zones) {
                if (!z.equals(n.zone())) {
                    InetSocketAddress r = net.route(z, n.zone(), a);
                    sb.append("      ").append(z).append(": ").append(r.getAddress().getHostAddress()).append(':').append(r.getPort()).append('\n');
                }
            }
        }
        sb.append("credentials:\n  user: root\n  password: ''\n");
        sb.append("store:\n  zookeeper: ").append(zk.connectString()).append("\n  namespace: it\n");
        if (sessionTimeout != null) {
            sb.append("  sessionTimeout: ").append(sessionTimeout.toMillis()).append("ms\n");
        }
        sb.append("manager:\n  id: ").append(managerId).append("\n  zone: ").append(zone).append('\n');
        sb.append(extra);
        return sb.toString();
    }

    FailoverConfig config(String managerId, String zone, String extra) {
        return FailoverConfig.parse(yaml(managerId, zone, extra), managerId + ".yaml");
    }

    FailoverConfig config(String managerId, String zone, String extra, Duration sessionTimeout) {
        return FailoverConfig.parse(yaml(managerId, zone, extra, sessionTimeout), managerId + ".yaml");
    }

    FailoverManager start(FailoverConfig config) {
        FailoverManager m = FailoverManager.start(config);
        managers.add(m);
        return m;
    }

    void stop(FailoverManager m) {
        managers.remove(m);
        m.close();
    }

    ClusterTopology topology() {
        return client.get(cluster).orElseThrow();
    }

    String primaryName() {
        return topology().primary().map(Endpoint::id).orElseThrow();
    }

    TopologyView view() {
        return client.view(cluster);
    }

    /** Real (direct) addresses of the nodes, for the test's own writers. */
    Map<String, InetSocketAddress> addresses() {
        Map<String, InetSocketAddress> m = new LinkedHashMap<>();
        db.nodes().forEach(n -> m.put(n.name(), n.address()));
        return m;
    }

    /** Node names that replicate with their IO thread up from {@code primary}, by {@code Master_Server_Id}. */
    boolean replicatesFrom(String replica, String primary) throws Exception {
        var s = node(replica).replicaStatus();
        return s.isPresent() && s.get().isIoRunning() && s.get().isSqlRunning()
                && s.get().masterServerId() == node(primary).serverId();
    }

    static long ms(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(nanos);
    }

    @Override
    public void close() {
        for (FailoverManager m : List.copyOf(managers)) {
            try {
                m.close();
            } catch (RuntimeException e) {
                LOG.warn("closing {}", m, e);
            }
        }
        client.close();
        db.close();
        zk.close();
        net.close();
    }
}
