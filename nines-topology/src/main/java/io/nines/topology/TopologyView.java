package io.nines.topology;

import io.nines.core.StaleEpochException;
import io.nines.core.event.EventPublisher.Subscription;
import io.nines.topology.internal.MonotonicListener;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * A client's cached view of one cluster: the highest-epoch topology seen, fed by a store watch (and by
 * {@link #offer}). It never goes back to a lower epoch, and it keeps serving its last topology while the
 * store is unreachable: {@link #current()} reads memory only, so unguarded reads go on from the cached
 * topology (DESIGN §6); whether the store is reachable is the {@link QuorumSignal}'s business.
 *
 * <p>nines-jdbc and the proxy hold one per cluster: route by {@link #current()}, react to {@link #listen},
 * and tag connections with the epoch they were opened under ({@link #checkEpoch}).
 */
public final class TopologyView implements AutoCloseable {

    private final String cluster;
    private final AtomicReference<ClusterTopology> current = new AtomicReference<>();
    private final CopyOnWriteArrayList<MonotonicListener> listeners = new CopyOnWriteArrayList<>();
    private final CountDownLatch first = new CountDownLatch(1);
    private volatile Subscription source;
    private volatile boolean closed;

    private TopologyView(String cluster) {
        this.cluster = Objects.requireNonNull(cluster, "cluster");
    }

    /** A view of {@code cluster} fed by {@code store.watch}; closing the view ends the watch. */
    public static TopologyView open(TopologyStore store, String cluster) {
        TopologyView view = new TopologyView(cluster);
        view.source = store.watch(cluster, view::offer);
        if (view.closed) { // closed by another thread while subscribing
            view.source.close();
        }
        return view;
    }

    /** A view fed only by {@link #offer} (a static cluster, or a test). */
    public static TopologyView detached(String cluster) {
        return new TopologyView(cluster);
    }

    public String cluster() {
        return cluster;
    }

    /** The highest-epoch topology seen, if any yet. Never calls the store. */
    public Optional<ClusterTopology> current() {
        return Optional.ofNullable(current.get());
    }

    /** The current epoch, or -1 before the first topology. */
    public long epoch() {
        ClusterTopology t = current.get();
        return t == null ? -1 : t.epoch();
    }

    /** Waits for the first topology. */
    public Optional<ClusterTopology> await(Duration timeout) throws InterruptedException {
        first.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
        return current();
    }

    /**
     * Offers a topology (from the store, or learned elsewhere: e.g. a peer reporting a newer epoch).
     * Accepted only if its epoch is higher than the current one, or equal with different content
     * (a same-epoch edit of a static file); a lower epoch is ignored.
     *
     * @return whether it became current
     * @throws IllegalArgumentException if it belongs to another cluster
     */
    public boolean offer(ClusterTopology topology) {
        if (!topology.name().equals(cluster)) {
            throw new IllegalArgumentException("topology of cluster '" + topology.name() + "' offered to the view of '" + cluster + "'");
        }
        if (closed) {
            return false;
        }
        ClusterTopology prev;
        do {
            prev = current.get();
            if (!topology.supersedes(prev)) {
                return false;
            }
        } while (!current.compareAndSet(prev, topology));
        first.countDown();
        // Each listener's wrapper drops a snapshot that a racing offer already superseded.
        for (MonotonicListener l : listeners) {
            l.deliver(topology);
        }
        return true;
    }

    /**
     * Refuses work tagged with an older epoch: a connection opened under epoch 4 must not be used once the
     * view is at 5 (its primary may be fenced).
     *
     * @throws StaleEpochException if {@code epoch} is lower than the current epoch
     */
    public void checkEpoch(long epoch) {
        long now = epoch();
        if (epoch < now) {
            throw new StaleEpochException("topology[" + cluster + "]", epoch, now);
        }
    }

    /**
     * Calls {@code listener} with the current topology (if any) and then every accepted change, never going
     * back in epoch. Listeners run on the thread that offered (the store's event thread); keep them short.
     */
    public Subscription listen(Consumer<? super ClusterTopology> listener) {
        MonotonicListener l = new MonotonicListener(listener);
        listeners.add(l);
        ClusterTopology now = current.get();
        if (now != null) {
            l.deliver(now);
        }
        return () -> {
            l.close();
            listeners.remove(l);
        };
    }

    /** Stops the store watch; {@link #current()} keeps answering with the last topology. */
    @Override
    public void close() {
        closed = true;
        Subscription s = source;
        if (s != null) {
            s.close();
        }
    }

    @Override
    public String toString() {
        return "TopologyView[" + cluster + " epoch " + epoch() + "]";
    }
}
