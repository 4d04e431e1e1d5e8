package io.nines.failover.internal;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nines.failover.AuditEntry;
import io.nines.failover.FailoverRecord;
import io.nines.failover.ManagerView;
import io.nines.failover.SwitchoverResult;
import io.nines.topology.TopologyStoreException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;

/**
 * The manager's own znodes, next to the topology ({@code /<namespace>/failover/<cluster>/...}):
 * <ul>
 *   <li>{@code managers/<id>}: ephemeral {@link ManagerView} of each running manager;</li>
 *   <li>{@code audit/<id>}: the last entries of each manager's audit log (for {@code nines failover status});</li>
 *   <li>{@code last-failover}: the last automatic failover (anti-flapping for every manager);</li>
 *   <li>{@code switchover/request} and {@code switchover/results/<id>}: planned switchovers asked of the leader.</li>
 * </ul>
 */
public final class FailoverStore {

    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    /** A switchover asked of the leader. */
    public record Request(String id, String target, String requestedBy, long timeMillis) {
    }

    private final CuratorFramework zk; // namespaced
    private final String root;

    public FailoverStore(CuratorFramework namespaced, String cluster) {
        this.zk = namespaced;
        this.root = "/failover/" + cluster;
    }

    // ---------------------------------------------------------------- views

    public void publishView(ManagerView view) {
        String path = root + "/managers/" + view.managerId();
        byte[] data = bytes(view);
        try {
            try {
                zk.setData().forPath(path, data);
            } catch (KeeperException.NoNodeException e) {
                try {
                    zk.create().creatingParentContainersIfNeeded().withMode(CreateMode.EPHEMERAL).forPath(path, data);
                } catch (KeeperException.NodeExistsException race) {
                    zk.setData().forPath(path, data);
                }
            }
        } catch (Exception e) {
            throw failure("cannot publish the view of " + view.managerId(), e);
        }
    }

    public List<ManagerView> views() {
        List<ManagerView> out = new ArrayList<>();
        for (String child : children(root + "/managers")) {
            read(root + "/managers/" + child, ManagerView.class).ifPresent(out::add);
        }
        return out;
    }

    public void removeView(String managerId) {
        try {
            zk.delete().forPath(root + "/managers/" + managerId);
        } catch (Exception e) {
            // gone with the session anyway
        }
    }

    // ---------------------------------------------------------------- audit

    public void writeAuditTail(String managerId, List<AuditEntry> tail) {
        List<String> lines = tail.stream().map(AuditEntry::toJson).toList();
        put(root + "/audit/" + managerId, bytes(lines), "cannot store the audit tail of " + managerId);
    }

    /** Every manager's stored audit tail, merged, oldest first. */
    public List<AuditEntry> auditTails() {
        List<AuditEntry> all = new ArrayList<>();
        for (String child : children(root + "/audit")) {
            Optional<byte[]> data = data(root + "/audit/" + child);
            if (data.isEmpty()) {
                continue;
            }
            try {
                List<String> lines = JSON.readValue(data.get(), new TypeReference<List<String>>() { });
                for (String l : lines) {
                    all.add(AuditEntry.fromJson(l));
                }
            } catch (Exception e) {
                // one unreadable tail must not hide the others
            }
        }
        all.sort(Comparator.comparingLong(AuditEntry::timeMillis));
        return all;
    }

    // ---------------------------------------------------------------- last failover

    public Optional<FailoverRecord> lastFailover() {
        return read(root + "/last-failover", FailoverRecord.class);
    }

    public void recordFailover(FailoverRecord r) {
        put(root + "/last-failover", bytes(r), "cannot record the failover");
    }

    // ---------------------------------------------------------------- switchover requests

    /** Asks the leader for a switchover; replaces an unanswered request. */
    public void submit(Request r) {
        put(root + "/switchover/request", bytes(r), "cannot submit the switchover request");
    }

    /** The pending request and the version to claim it with. */
    public Optional<Claimable> pending() {
        String path = root + "/switchover/request";
        try {
            Stat stat = new Stat();
            byte[] data = zk.getData().storingStatIn(stat).forPath(path);
            return Optional.of(new Claimable(JSON.readValue(data, Request.class), stat.getVersion()));
        } catch (KeeperException.NoNodeException e) {
            return Optional.empty();
        } catch (Exception e) {
            throw failure("cannot read " + path, e);
        }
    }

    /** A pending request with the znode version it was read at. */
    public record Claimable(Request request, int version) {
    }

    /** Takes the request off the queue; false if someone else did (or it changed). */
    public boolean claim(Claimable c) {
        try {
            zk.delete().withVersion(c.version()).forPath(root + "/switchover/request");
            return true;
        } catch (KeeperException.NoNodeException | KeeperException.BadVersionException e) {
            return false;
        } catch (Exception e) {
            throw failure("cannot claim the switchover request", e);
        }
    }

    public void writeResult(SwitchoverResult r) {
        put(root + "/switchover/results/" + r.requestId(), bytes(r), "cannot store the switchover result");
    }

    public Optional<SwitchoverResult> result(String requestId) {
        return read(root + "/switchover/results/" + requestId, SwitchoverResult.class);
    }

    // ---------------------------------------------------------------- elections

    /**
     * The leader of an election run by {@code io.nines.topology} (a Curator {@code LeaderLatch} under
     * {@code /topology/leaders/<group>}): the participant whose node has the lowest sequence number. Read without
     * joining the election.
     */
    public Optional<String> leader(String group) {
        String path = "/topology/leaders/" + group;
        List<String> kids = children(path);
        return kids.stream()
                .filter(k -> k.contains("latch-"))
                .min(Comparator.comparing((String k) -> k.substring(k.lastIndexOf("latch-") + 6)))
                .flatMap(k -> data(path + "/" + k))
                .map(b -> new String(b, java.nio.charset.StandardCharsets.UTF_8))
                .filter(s -> !s.isEmpty());
    }

    // ---------------------------------------------------------------- plumbing

    private void put(String path, byte[] data, String what) {
        try {
            try {
                zk.setData().forPath(path, data);
            } catch (KeeperException.NoNodeException e) {
                try {
                    zk.create().creatingParentContainersIfNeeded().forPath(path, data);
                } catch (KeeperException.NodeExistsException race) {
                    zk.setData().forPath(path, data);
                }
            }
        } catch (Exception e) {
            throw failure(what, e);
        }
    }

    private List<String> children(String path) {
        try {
            return zk.getChildren().forPath(path);
        } catch (KeeperException.NoNodeException e) {
            return List.of();
        } catch (Exception e) {
            throw failure("cannot list " + path, e);
        }
    }

    private Optional<byte[]> data(String path) {
        try {
            return Optional.of(zk.getData().forPath(path));
        } catch (KeeperException.NoNodeException e) {
            return Optional.empty();
        } catch (Exception e) {
            throw failure("cannot read " + path, e);
        }
    }

    private <T> Optional<T> read(String path, Class<T> type) {
        Optional<byte[]> d = data(path);
        if (d.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(JSON.readValue(d.get(), type));
        } catch (Exception e) {
            return Optional.empty(); // written by an incompatible version: ignore
        }
    }

    private static byte[] bytes(Object o) {
        try {
            return JSON.writeValueAsBytes(o);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static TopologyStoreException failure(String what, Exception e) {
        if (e instanceof InterruptedException) {
            Thread.currentThread().interrupt();
        }
        return new TopologyStoreException(what + ": " + e, e);
    }
}
