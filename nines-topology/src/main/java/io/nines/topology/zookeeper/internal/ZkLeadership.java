package io.nines.topology.zookeeper.internal;

import io.nines.core.Clock;
import io.nines.core.event.EventPublisher;
import io.nines.core.event.EventPublisher.Subscription;
import io.nines.topology.Leadership;
import io.nines.topology.TopologyStoreException;
import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.leader.LeaderLatch;
import org.apache.curator.framework.recipes.leader.LeaderLatchListener;
import org.apache.curator.framework.recipes.leader.Participant;

/**
 * A candidacy backed by Curator's {@link LeaderLatch}. With Curator's standard error policy the latch drops
 * leadership on {@code SUSPENDED} (not only on {@code LOST}): a manager that lost its connection stops
 * acting at once, before the ensemble may have elected another one.
 */
public final class ZkLeadership implements Leadership {

    private final String group;
    private final String participantId;
    private final LeaderLatch latch;
    private final Clock clock;
    private final Runnable onClose;
    private final EventPublisher<Change> events = new EventPublisher<>();
    private volatile boolean closed;

    public ZkLeadership(CuratorFramework client, String path, String group, String participantId, Clock clock,
                        Runnable onClose) {
        this.group = group;
        this.participantId = participantId;
        this.clock = clock;
        this.onClose = onClose;
        this.latch = new LeaderLatch(client, path, participantId, LeaderLatch.CloseMode.NOTIFY_LEADER);
        latch.addListener(new LeaderLatchListener() {
            @Override
            public void isLeader() {
                events.publish(new Change(group, participantId, true, clock.currentTimeMillis()));
            }

            @Override
            public void notLeader() {
                events.publish(new Change(group, participantId, false, clock.currentTimeMillis()));
            }
        });
    }

    public void start() {
        try {
            latch.start();
        } catch (Exception e) {
            throw new TopologyStoreException("cannot join election " + group + " as " + participantId, e);
        }
    }

    @Override
    public String group() {
        return group;
    }

    @Override
    public String participantId() {
        return participantId;
    }

    @Override
    public boolean isLeader() {
        return !closed && latch.hasLeadership();
    }

    @Override
    public boolean awaitLeadership(Duration timeout) throws InterruptedException {
        if (closed) {
            return false;
        }
        return latch.await(timeout.toNanos(), TimeUnit.NANOSECONDS) && !closed;
    }

    @Override
    public Optional<String> leader() {
        try {
            Participant p = latch.getLeader();
            return p.isLeader() && !p.getId().isEmpty() ? Optional.of(p.getId()) : Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TopologyStoreException("interrupted while asking the leader of " + group, e);
        } catch (Exception e) {
            throw new TopologyStoreException("cannot read the leader of " + group, e);
        }
    }

    @Override
    public Subscription listen(Consumer<? super Change> listener) {
        return events.subscribe(listener);
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            latch.close();
        } catch (IOException | IllegalStateException e) {
            // Already closed, or the connection is gone: the ephemeral node dies with the session anyway.
        } finally {
            onClose.run();
        }
    }

    @Override
    public String toString() {
        return "Leadership[" + group + "/" + participantId + (isLeader() ? ", leader" : "") + "]";
    }
}
