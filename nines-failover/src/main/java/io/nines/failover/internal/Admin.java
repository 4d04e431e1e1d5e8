package io.nines.failover.internal;

import io.nines.core.Clock;
import io.nines.failover.AuditEntry;
import io.nines.failover.FailoverConfig;
import io.nines.failover.FailoverRecord;
import io.nines.failover.FailoverStatus;
import io.nines.failover.Finding;
import io.nines.failover.ManagerView;
import io.nines.failover.NodeSample;
import io.nines.failover.SwitchoverResult;
import io.nines.topology.ClusterTopology;
import io.nines.topology.zookeeper.ZooKeeperTopologyStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.BoundedExponentialBackoffRetry;

/** Store and node access for {@code nines failover status} and {@code switchover}: no election, no changes. */
public final class Admin {

    private Admin() {
    }

    private static CuratorFramework connect(FailoverConfig config, Duration timeout) throws InterruptedException {
        CuratorFramework c = CuratorFrameworkFactory.builder()
                .connectString(config.store().zookeeper())
                .sessionTimeoutMs((int) config.store().sessionTimeout().toMillis())
                .connectionTimeoutMs((int) config.store().connectionTimeout().toMillis())
                .retryPolicy(new BoundedExponentialBackoffRetry(100, 1000, 2))
                .build();
        c.start();
        if (!c.blockUntilConnected((int) timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            c.close();
            throw new io.nines.topology.TopologyStoreException("cannot connect to ZooKeeper " + config.store().zookeeper()
                    + " within " + Durations.format(timeout), null);
        }
        return c;
    }

    public static Optional<String> leader(FailoverConfig config, Duration timeout) {
        try (CuratorFramework c = connect(config, timeout)) {
            return new FailoverStore(c.usingNamespace(config.store().namespace()), config.cluster()).leader(config.electionGroup());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    public static Optional<SwitchoverResult> requestSwitchover(FailoverConfig config, String target, String requestedBy,
                                                               Duration timeout) throws TimeoutException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        try (CuratorFramework c = connect(config, timeout)) {
            FailoverStore fs = new FailoverStore(c.usingNamespace(config.store().namespace()), config.cluster());
            if (fs.leader(config.electionGroup()).isEmpty()) {
                return Optional.empty();
            }
            String id = UUID.randomUUID().toString();
            fs.submit(new FailoverStore.Request(id, target, requestedBy, System.currentTimeMillis()));
            while (System.nanoTime() < deadline) {
                Optional<SwitchoverResult> r = fs.result(id);
                if (r.isPresent()) {
                    return r;
                }
                Thread.sleep(50); // polling the store for the leader's answer
            }
            throw new TimeoutException("the leader did not answer switchover request " + id + " within " + Durations.format(timeout));
        }
    }

    public static FailoverStatus status(FailoverConfig config, int auditEntries, Duration timeout) {
        List<String> problems = new ArrayList<>();
        Optional<ClusterTopology> topology = Optional.empty();
        Optional<String> leader = Optional.empty();
        List<ManagerView> views = List.of();
        Optional<FailoverRecord> last = Optional.empty();
        List<AuditEntry> audit = List.of();
        CuratorFramework c = null;
        try {
            c = connect(config, timeout);
            try (ZooKeeperTopologyStore store = ZooKeeperTopologyStore.using(c, config.store().namespace(), Clock.system())) {
                topology = store.get(config.cluster());
            }
            FailoverStore fs = new FailoverStore(c.usingNamespace(config.store().namespace()), config.cluster());
            leader = fs.leader(config.electionGroup());
            views = fs.views();
            last = fs.lastFailover();
            List<AuditEntry> all = fs.auditTails();
            audit = all.subList(Math.max(0, all.size() - auditEntries), all.size());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            problems.add("interrupted");
        } catch (RuntimeException e) {
            problems.add("store: " + e.getMessage());
        } finally {
            if (c != null) {
                c.close();
            }
        }
        Map<String, NodeSample> samples = new LinkedHashMap<>();
        ExecutorService io = Executors.newVirtualThreadPerTaskExecutor();
        try {
            Map<String, Future<NodeSample>> fs = new LinkedHashMap<>();
            List<NodeClient> clients = new ArrayList<>();
            long now = System.currentTimeMillis();
            for (FailoverConfig.Node n : config.nodes()) {
                NodeClient nc = new NodeClient(n.name(), n.addressFrom(config.manager().zone()), config.credentials(),
                        config.detection(), io, Clock.system());
                clients.add(nc);
                fs.put(n.name(), io.submit(() -> nc.sample(now)));
            }
            for (Map.Entry<String, Future<NodeSample>> e : fs.entrySet()) {
                try {
                    samples.put(e.getKey(), e.getValue().get());
                } catch (Exception ex) {
                    problems.add("probe of " + e.getKey() + ": " + ex);
                }
            }
            clients.forEach(NodeClient::close);
        } finally {
            io.shutdownNow();
        }
        List<Finding> findings = topology.map(t -> LosslessCheck.check(t, samples, config)).orElse(List.of());
        return new FailoverStatus(config.cluster(), topology, leader, views, last, samples, findings, audit, Instant.now(), problems);
    }
}
