package io.nines.topology.zookeeper.internal;

import io.nines.topology.ClusterTopology;
import io.nines.topology.TopologyConfigException;
import io.nines.topology.internal.MonotonicListener;
import io.nines.topology.internal.TopologyCodec;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.cache.ChildData;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.curator.framework.recipes.cache.CuratorCacheListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One cluster node watched by a single-node {@link CuratorCache}, shared by all listeners of that cluster in
 * a store. The cache re-reads after every watch event and after a reconnect, so listeners get the latest data;
 * intermediate versions written in quick succession may be skipped, never reordered (each listener is wrapped
 * in a {@link MonotonicListener}). A deleted node keeps its last topology; an unreadable one is logged and skipped.
 */
public final class ClusterWatch {

    private static final Logger LOG = LoggerFactory.getLogger(ClusterWatch.class);

    private final String path;
    private final CuratorCache cache;
    private final CopyOnWriteArrayList<MonotonicListener> listeners = new CopyOnWriteArrayList<>();
    private final AtomicReference<ClusterTopology> latest = new AtomicReference<>();

    public ClusterWatch(CuratorFramework client, String path) {
        this.path = path;
        this.cache = CuratorCache.build(client, path, CuratorCache.Options.SINGLE_NODE_CACHE);
        cache.listenable().addListener(CuratorCacheListener.builder()
                .forCreatesAndChanges((oldNode, node) -> onData(node))
                .forDeletes(node -> LOG.warn("topology node {} was deleted; clients keep its last topology", path))
                .build());
    }

    public void start() {
        cache.start();
    }

    private void onData(ChildData node) {
        if (node == null || node.getData() == null) {
            return;
        }
        ClusterTopology t;
        try {
            t = TopologyCodec.readStored(node.getData(), path).topology();
        } catch (TopologyConfigException e) {
            LOG.error("ignoring unreadable topology at {} (version {}): {}", path,
                    node.getStat() == null ? "?" : node.getStat().getVersion(), e.getMessage());
            return;
        }
        ClusterTopology prev;
        do {
            prev = latest.get();
            if (!t.supersedes(prev)) {
                if (prev != null && t.epoch() < prev.epoch()) {
                    LOG.warn("ignoring topology {} epoch {} below epoch {} already seen", t.name(), t.epoch(), prev.epoch());
                }
                return;
            }
        } while (!latest.compareAndSet(prev, t));
        for (MonotonicListener l : listeners) {
            l.deliver(t);
        }
    }

    /** Adds a listener and hands it the current topology if known. */
    public MonotonicListener add(Consumer<? super ClusterTopology> listener) {
        MonotonicListener l = new MonotonicListener(listener);
        listeners.add(l);
        ClusterTopology now = latest.get();
        if (now != null) {
            l.deliver(now);
        }
        return l;
    }

    /** Removes a listener; returns whether none is left. */
    public boolean remove(MonotonicListener l) {
        l.close();
        listeners.remove(l);
        return listeners.isEmpty();
    }

    public void close() {
        listeners.forEach(MonotonicListener::close);
        listeners.clear();
        cache.close();
    }
}
