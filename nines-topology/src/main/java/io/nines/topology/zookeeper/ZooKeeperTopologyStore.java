package io.nines.topology.zookeeper;

import io.nines.core.Clock;
import io.nines.core.event.EventPublisher.Subscription;
import io.nines.topology.ClusterExistsException;
import io.nines.topology.ClusterTopology;
import io.nines.topology.Leadership;
import io.nines.topology.QuorumSignal;
import io.nines.topology.TopologyConfigException;
import io.nines.topology.TopologyStore;
import io.nines.topology.TopologyStoreException;
import io.nines.topology.internal.MonotonicListener;
import io.nines.topology.internal.Names;
import io.nines.topology.internal.QuorumState;
import io.nines.topology.internal.StoreChecks;
import io.nines.topology.internal.TopologyCodec;
import io.nines.topology.zookeeper.internal.ClusterWatch;
import io.nines.topology.zookeeper.internal.ZkLeadership;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.imps.CuratorFrameworkState;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.framework.state.ConnectionStateListener;
import org.apache.curator.retry.BoundedExponentialBackoffRetry;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The default topology store: ZooKeeper through Apache Curator.
 *
 * <ul>
 *   <li>Layout: {@code /<namespace>/topology/clusters/<name>} holds one cluster as JSON;
 *       {@code /<namespace>/topology/leaders/<group>} holds the {@link org.apache.curator.framework.recipes.leader.LeaderLatch}
 *       of each election.</li>
 *   <li>Compare-and-set: read with the node's data version, check the epoch, {@code setData} with that version;
 *       a {@code BadVersion} means someone wrote in between, so it reads again to answer correctly. Each write
 *       carries a random publication id, so a write whose response was lost and retried is still recognised
 *       as ours: of concurrent writers with the same expected epoch exactly one gets {@code true}.</li>
 *   <li>Watches: one single-node {@code CuratorCache} per watched cluster, shared by its listeners.</li>
 *   <li>Quorum signal: Curator's connection states, {@code CONNECTED}/{@code RECONNECTED} → CONNECTED,
 *       {@code SUSPENDED}/{@code READ_ONLY} → SUSPENDED, {@code LOST} → LOST. Curator reports LOST once the
 *       connection has been suspended for the negotiated session timeout, even before the server says
 *       {@code Expired} (which often arrives only after a partition heals).</li>
 * </ul>
 */
public final class ZooKeeperTopologyStore implements TopologyStore {

    private static final Logger LOG = LoggerFactory.getLogger(ZooKeeperTopologyStore.class);
    private static final String CLUSTERS = "/topology/clusters";
    private static final String LEADERS = "/topology/leaders";
    private static final int MAX_CAS_ROUNDS = 16;

    private final CuratorFramework root;
    private final CuratorFramework client; // namespaced facade of root
    private final boolean ownsClient;
    private final String namespace;
    private final Clock clock;
    private final QuorumState quorum;
    private final long syncTimeoutMillis;
    private final ConnectionStateListener stateListener;
    private final ReentrantLock lock = new ReentrantLock(); // watches and elections bookkeeping
    private final Map<String, ClusterWatch> watches = new HashMap<>(); // guarded by lock
    private final Set<ZkLeadership> elections = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    private ZooKeeperTopologyStore(CuratorFramework root, boolean ownsClient, String namespace, Clock clock) {
        this.root = root;
        this.ownsClient = ownsClient;
        this.namespace = namespace;
        this.clock = clock;
        // A sync queues behind the connection's retries; bound it so a read never hangs on a dead ensemble.
        this.syncTimeoutMillis = 2L * Math.max(root.getZookeeperClient().getConnectionTimeoutMs(), 1_000);
        this.quorum = new QuorumState(QuorumSignal.State.SUSPENDED, clock);
        this.stateListener = (c, state) -> onConnectionState(state);
        // Listen before starting, so the first CONNECTED is not missed.
        root.getConnectionStateListenable().addListener(stateListener);
        if (root.getState() == CuratorFrameworkState.LATENT) {
            root.start();
        }
        this.client = root.usingNamespace(namespace); // Curator allows this only once started
        if (root.getZookeeperClient().isConnected()) {
            quorum.transition(QuorumSignal.State.CONNECTED);
        }
    }

    /** Starts building a store that owns its Curator client. */
    public static ZooKeeperStoreBuilder builder(String connectString) {
        return new ZooKeeperStoreBuilder(connectString);
    }

    /** A store with its own Curator client built from {@code config}; connects in the background. */
    public static ZooKeeperTopologyStore of(ZooKeeperStoreConfig config, Clock clock) {
        CuratorFramework c = CuratorFrameworkFactory.builder()
                .connectString(config.connectString())
                .sessionTimeoutMs((int) config.sessionTimeout().toMillis())
                .connectionTimeoutMs((int) Math.min(Integer.MAX_VALUE, config.connectionTimeout().toMillis()))
                .retryPolicy(new BoundedExponentialBackoffRetry((int) config.retryBaseSleep().toMillis(),
                        (int) Math.min(Integer.MAX_VALUE, config.retryMaxSleep().toMillis()), config.maxRetries()))
                .build();
        return new ZooKeeperTopologyStore(c, true, config.namespace(), Objects.requireNonNull(clock, "clock"));
    }

    /**
     * A store on a Curator client the caller owns (started here if not yet started; not closed by
     * {@link #close()}). Its session timeout is the lease of the quorum signal.
     */
    public static ZooKeeperTopologyStore using(CuratorFramework client, String namespace, Clock clock) {
        Names.segment("zookeeperStore", "namespace", namespace);
        return new ZooKeeperTopologyStore(Objects.requireNonNull(client, "client"), false, namespace,
                Objects.requireNonNull(clock, "clock"));
    }

    /**
     * Waits until connected and the {@linkplain #quorum() quorum signal} says so (Curator delivers connection
     * states on its own thread, a moment after the connection itself); returns whether both happened in time.
     */
    public boolean awaitConnected(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        if (!root.blockUntilConnected((int) Math.min(Integer.MAX_VALUE, timeout.toMillis()), TimeUnit.MILLISECONDS)) {
            return false;
        }
        return quorum.await(QuorumSignal.State.CONNECTED, deadline - System.nanoTime());
    }

    /** The namespace (root znode) of this store. */
    public String namespace() {
        return namespace;
    }

    private void onConnectionState(ConnectionState state) {
        QuorumSignal.State next = switch (state) {
            case CONNECTED, RECONNECTED -> QuorumSignal.State.CONNECTED;
            case SUSPENDED, READ_ONLY -> QuorumSignal.State.SUSPENDED;
            case LOST -> QuorumSignal.State.LOST;
        };
        if (quorum.transition(next)) {
            if (next == QuorumSignal.State.CONNECTED) {
                LOG.info("topology store {} connected", namespace);
            } else {
                LOG.warn("topology store {}: ZooKeeper connection {} -> quorum {}", namespace, state, next);
            }
        }
    }

    private static String clusterPath(String cluster) {
        return CLUSTERS + "/" + Names.segment("cluster", "name", cluster);
    }

    @Override
    public Optional<ClusterTopology> get(String cluster) {
        String path = clusterPath(cluster);
        try {
            syncWithLeader(path);
            return Optional.of(decode(client.getData().forPath(path), path));
        } catch (KeeperException.NoNodeException e) {
            return Optional.empty();
        } catch (Exception e) {
            throw failure("cannot read " + path, e);
        }
    }

    @Override
    public List<String> clusters() {
        try {
            syncWithLeader(CLUSTERS);
            List<String> names = new ArrayList<>(client.getChildren().forPath(CLUSTERS));
            names.sort(null);
            return names;
        } catch (KeeperException.NoNodeException e) {
            return List.of();
        } catch (Exception e) {
            throw failure("cannot list " + CLUSTERS, e);
        }
    }

    @Override
    public ClusterTopology create(ClusterTopology topology) {
        String path = clusterPath(topology.name());
        String publication = UUID.randomUUID().toString();
        try {
            client.create().creatingParentsIfNeeded().withMode(CreateMode.PERSISTENT)
                    .forPath(path, TopologyCodec.writeStored(topology, publication));
            return topology;
        } catch (KeeperException.NodeExistsException e) {
            // Perhaps our own create, retried after its response was lost.
            if (ours(path, publication)) {
                return topology;
            }
            throw new ClusterExistsException(topology.name());
        } catch (Exception e) {
            throw failure("cannot create " + path, e);
        }
    }

    @Override
    public boolean compareAndSet(String cluster, long expectedEpoch, ClusterTopology next) {
        StoreChecks.checkSuccessor(cluster, expectedEpoch, next);
        String path = clusterPath(cluster);
        String publication = UUID.randomUUID().toString();
        byte[] data = TopologyCodec.writeStored(next, publication);
        try {
            syncWithLeader(path); // a lagging follower would make us answer false for a stale reason
            for (int round = 0; round < MAX_CAS_ROUNDS; round++) {
                Stat stat = new Stat();
                TopologyCodec.Stored stored;
                try {
                    stored = TopologyCodec.readStored(client.getData().storingStatIn(stat).forPath(path), path);
                } catch (KeeperException.NoNodeException e) {
                    return false;
                }
                if (publication.equals(stored.publication())) {
                    return true; // our write landed, its response was lost and the retry saw BadVersion
                }
                if (stored.topology().epoch() != expectedEpoch) {
                    return false;
                }
                try {
                    client.setData().withVersion(stat.getVersion()).forPath(path, data);
                    return true;
                } catch (KeeperException.BadVersionException e) {
                    // Someone wrote between our read and write (or our own retried write did): read again.
                } catch (KeeperException.NoNodeException e) {
                    return false;
                }
            }
            throw new TopologyStoreException("compare-and-set of " + path + " kept racing other writers ("
                    + MAX_CAS_ROUNDS + " rounds)", null);
        } catch (TopologyStoreException e) {
            throw e;
        } catch (TopologyConfigException e) {
            throw new TopologyStoreException("stored topology at " + path + " is unreadable: " + e.getMessage(), e);
        } catch (Exception e) {
            throw failure("cannot compare-and-set " + path, e);
        }
    }

    /**
     * ZooKeeper reads are served by the connected server, which may lag the leader by a few writes; a sync
     * makes the next read of {@code path} see every write committed before it (read-your-peers'-writes).
     */
    private void syncWithLeader(String path) throws Exception {
        CompletableFuture<Void> done = new CompletableFuture<>();
        client.sync().inBackground((c, event) -> {
            int rc = event.getResultCode();
            if (rc == KeeperException.Code.OK.intValue() || rc == KeeperException.Code.NONODE.intValue()) {
                done.complete(null);
            } else {
                done.completeExceptionally(KeeperException.create(KeeperException.Code.get(rc), path));
            }
        }).forPath(path);
        try {
            done.get(syncTimeoutMillis, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        }
    }

    private boolean ours(String path, String publication) {
        try {
            return publication.equals(TopologyCodec.readStored(client.getData().forPath(path), path).publication());
        } catch (Exception e) {
            return false;
        }
    }

    private static ClusterTopology decode(byte[] data, String path) {
        try {
            return TopologyCodec.readStored(data, path).topology();
        } catch (TopologyConfigException e) {
            throw new TopologyStoreException("stored topology at " + path + " is unreadable: " + e.getMessage(), e);
        }
    }

    private TopologyStoreException failure(String what, Exception e) {
        if (e instanceof InterruptedException) {
            Thread.currentThread().interrupt();
        }
        return new TopologyStoreException(what + " in ZooKeeper namespace " + namespace + ": " + e, e);
    }

    @Override
    public Subscription watch(String cluster, Consumer<? super ClusterTopology> listener) {
        Objects.requireNonNull(listener, "listener");
        String path = clusterPath(cluster);
        ClusterWatch w;
        boolean fresh = false;
        lock.lock();
        try {
            ensureOpen();
            w = watches.get(cluster);
            if (w == null) {
                w = new ClusterWatch(client, path);
                watches.put(cluster, w);
                fresh = true;
            }
        } finally {
            lock.unlock();
        }
        MonotonicListener l = w.add(listener);
        if (fresh) {
            w.start();
        }
        ClusterWatch watch = w;
        return () -> {
            lock.lock();
            try {
                if (watch.remove(l) && watches.get(cluster) == watch) {
                    watches.remove(cluster);
                    watch.close();
                }
            } finally {
                lock.unlock();
            }
        };
    }

    @Override
    public Leadership elect(String group, String participantId) {
        Names.segment("election", "group", group);
        if (participantId == null || participantId.isBlank()) {
            throw new IllegalArgumentException("participantId must be set and not blank");
        }
        ensureOpen();
        ZkLeadership[] self = new ZkLeadership[1];
        ZkLeadership l = new ZkLeadership(client, LEADERS + "/" + group, group, participantId, clock,
                () -> elections.remove(self[0]));
        self[0] = l;
        elections.add(l);
        l.start();
        return l;
    }

    @Override
    public QuorumSignal quorum() {
        return quorum;
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("topology store is closed");
        }
    }

    @Override
    public void close() {
        lock.lock();
        List<ClusterWatch> toClose;
        try {
            if (closed) {
                return;
            }
            closed = true;
            toClose = new ArrayList<>(watches.values());
            watches.clear();
        } finally {
            lock.unlock();
        }
        toClose.forEach(ClusterWatch::close);
        new ArrayList<>(elections).forEach(ZkLeadership::close);
        root.getConnectionStateListenable().removeListener(stateListener);
        if (ownsClient) {
            root.close();
        }
    }

    @Override
    public String toString() {
        return "ZooKeeperTopologyStore[" + root.getZookeeperClient().getCurrentConnectionString() + "/" + namespace + ", "
                + quorum.state() + "]";
    }
}
