package io.nines.topology.internal;

import io.nines.topology.ClusterTopology;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wraps one topology listener so it never sees an epoch go back, never sees the same snapshot twice and
 * is never called by two threads at once, whichever threads and in whatever order snapshots arrive
 * (a store's event thread, a subscriber delivering the current value, a direct offer).
 */
public final class MonotonicListener {

    private static final Logger LOG = LoggerFactory.getLogger(MonotonicListener.class);

    private final Consumer<? super ClusterTopology> target;
    // A lock rather than synchronized: the listener may block (virtual-thread friendly); off the hot path.
    private final ReentrantLock lock = new ReentrantLock();
    private ClusterTopology last; // guarded by lock
    private volatile boolean closed;

    public MonotonicListener(Consumer<? super ClusterTopology> target) {
        this.target = target;
    }

    /** Delivers {@code topology} if it supersedes the last one delivered; returns whether it did. */
    public boolean deliver(ClusterTopology topology) {
        lock.lock();
        try {
            if (closed || !topology.supersedes(last)) {
                return false;
            }
            last = topology;
            try {
                target.accept(topology);
            } catch (RuntimeException e) {
                LOG.warn("topology listener {} failed on {} epoch {}", target, topology.name(), topology.epoch(), e);
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    public void close() {
        closed = true;
    }
}
