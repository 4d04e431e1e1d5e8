package io.nines.topology.internal;

import io.nines.core.Clock;
import io.nines.core.event.EventPublisher;
import io.nines.core.event.EventPublisher.Subscription;
import io.nines.topology.QuorumSignal;
import java.time.Instant;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/** The quorum signal's state machine, fed by a store (ZooKeeper connection states) or fixed (file store). */
public final class QuorumState implements QuorumSignal {

    private record Snapshot(State state, long nanos, long millis) {
    }

    private final Clock clock;
    private final EventPublisher<Change> events = new EventPublisher<>();
    private final ReentrantLock lock = new ReentrantLock(); // keeps changes and their delivery in order
    private final Condition changed = lock.newCondition();
    private volatile Snapshot snapshot;

    public QuorumState(State initial, Clock clock) {
        this.clock = clock;
        this.snapshot = new Snapshot(initial, clock.nanoTime(), clock.currentTimeMillis());
    }

    /** Moves to {@code next}; a repeat of the current state is ignored. Returns whether it changed. */
    public boolean transition(State next) {
        lock.lock();
        try {
            Snapshot prev = snapshot;
            if (prev.state == next) {
                return false;
            }
            Snapshot now = new Snapshot(next, clock.nanoTime(), clock.currentTimeMillis());
            snapshot = now;
            changed.signalAll();
            if (events.hasListeners()) {
                events.publish(new Change(prev.state, next, now.nanos, now.millis));
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Waits until the state is {@code wanted}; returns whether it is. */
    public boolean await(State wanted, long timeoutNanos) throws InterruptedException {
        lock.lock();
        try {
            long left = timeoutNanos;
            while (snapshot.state != wanted) {
                if (left <= 0) {
                    return false;
                }
                left = changed.awaitNanos(left);
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public State state() {
        return snapshot.state;
    }

    @Override
    public Instant since() {
        return Instant.ofEpochMilli(snapshot.millis);
    }

    @Override
    public long sinceNanos() {
        return snapshot.nanos;
    }

    @Override
    public Subscription listen(Consumer<? super Change> listener) {
        return events.subscribe(listener);
    }

    @Override
    public String toString() {
        return "QuorumSignal[" + snapshot.state + " since " + since() + "]";
    }
}
