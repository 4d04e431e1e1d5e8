package io.nines.topology.internal;

import io.nines.core.Clock;
import io.nines.core.event.EventPublisher;
import io.nines.core.event.EventPublisher.Subscription;
import io.nines.topology.Leadership;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * Elections inside one process, for single-host stores: the first participant of a group leads until it
 * closes, then the next in line takes over. There is no session to lose, so leadership is only lost by closing.
 */
public final class LocalElections {

    private final Clock clock;
    private final ReentrantLock lock = new ReentrantLock();
    private final Map<String, ArrayDeque<Candidate>> groups = new HashMap<>(); // guarded by lock

    public LocalElections(Clock clock) {
        this.clock = clock;
    }

    public Leadership join(String group, String participantId) {
        Candidate c = new Candidate(group, participantId);
        boolean leads;
        lock.lock();
        try {
            ArrayDeque<Candidate> line = groups.computeIfAbsent(group, g -> new ArrayDeque<>());
            for (Candidate other : line) {
                if (other.participantId.equals(participantId)) {
                    throw new IllegalArgumentException("participant '" + participantId + "' already joined group '" + group + "'");
                }
            }
            line.addLast(c);
            leads = line.size() == 1;
        } finally {
            lock.unlock();
        }
        if (leads) {
            c.gain();
        }
        return c;
    }

    /** Closes every candidacy (store shutdown). */
    public void closeAll() {
        lock.lock();
        ArrayDeque<Candidate> all = new ArrayDeque<>();
        try {
            groups.values().forEach(all::addAll);
        } finally {
            lock.unlock();
        }
        all.forEach(Candidate::close);
    }

    private final class Candidate implements Leadership {
        private final String group;
        private final String participantId;
        private final CountDownLatch gained = new CountDownLatch(1);
        private final EventPublisher<Change> events = new EventPublisher<>();
        private volatile boolean leader;
        private volatile boolean closed;

        Candidate(String group, String participantId) {
            this.group = group;
            this.participantId = participantId;
        }

        void gain() {
            if (closed) {
                return;
            }
            leader = true;
            gained.countDown();
            events.publish(new Change(group, participantId, true, clock.currentTimeMillis()));
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
            return leader;
        }

        @Override
        public boolean awaitLeadership(Duration timeout) throws InterruptedException {
            return gained.await(timeout.toNanos(), TimeUnit.NANOSECONDS) && leader;
        }

        @Override
        public Optional<String> leader() {
            lock.lock();
            try {
                ArrayDeque<Candidate> line = groups.get(group);
                return line == null || line.isEmpty() ? Optional.empty() : Optional.of(line.peekFirst().participantId);
            } finally {
                lock.unlock();
            }
        }

        @Override
        public Subscription listen(Consumer<? super Change> listener) {
            return events.subscribe(listener);
        }

        @Override
        public void close() {
            Candidate next = null;
            boolean wasLeader;
            lock.lock();
            try {
                if (closed) {
                    return;
                }
                closed = true;
                wasLeader = leader;
                leader = false;
                ArrayDeque<Candidate> line = groups.get(group);
                if (line != null) {
                    boolean wasFirst = line.peekFirst() == this;
                    line.remove(this);
                    if (wasFirst && !line.isEmpty()) {
                        next = line.peekFirst();
                    }
                    if (line.isEmpty()) {
                        groups.remove(group);
                    }
                }
            } finally {
                lock.unlock();
            }
            gained.countDown(); // wake waiters: they see leader == false
            if (wasLeader) {
                events.publish(new Change(group, participantId, false, clock.currentTimeMillis()));
            }
            if (next != null) {
                next.gain();
            }
        }

        @Override
        public String toString() {
            return "Leadership[" + group + "/" + participantId + (leader ? ", leader" : "") + "]";
        }
    }
}
