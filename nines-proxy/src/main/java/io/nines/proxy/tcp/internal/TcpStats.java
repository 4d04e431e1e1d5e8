package io.nines.proxy.tcp.internal;

import java.time.Duration;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/** The counters of one TCP listener, written on the event loops, read by {@link io.nines.proxy.tcp.TcpProxy#stats()}. */
public final class TcpStats {
    final LongAdder accepted = new LongAdder();
    final LongAdder connectFailures = new LongAdder();
    final LongAdder noTarget = new LongAdder();
    final LongAdder closedByTargetChange = new LongAdder();
    final LongAdder bytesUp = new LongAdder();
    final LongAdder bytesDown = new LongAdder();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition idle = lock.newCondition();
    private long active;

    void opened() {
        accepted.increment();
        lock.lock();
        try {
            active++;
        } finally {
            lock.unlock();
        }
    }

    void closed() {
        lock.lock();
        try {
            if (--active == 0) {
                idle.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    /** Waits until no connection is open, at most {@code timeout}; whether none is. */
    public boolean awaitIdle(Duration timeout) throws InterruptedException {
        long nanos = timeout.toNanos();
        lock.lock();
        try {
            while (active > 0) {
                if (nanos <= 0) {
                    return false;
                }
                nanos = idle.awaitNanos(nanos);
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    public long accepted() {
        return accepted.sum();
    }

    /** Client connections open now. */
    public long active() {
        lock.lock();
        try {
            return active;
        } finally {
            lock.unlock();
        }
    }

    /** Upstream connects that failed (refused or timed out); the next endpoint was tried. */
    public long connectFailures() {
        return connectFailures.sum();
    }

    /** Client connections closed at once because there was no target (e.g. no primary during a failover). */
    public long noTarget() {
        return noTarget.sum();
    }

    /** Relayed connections closed because their endpoint left the targets (a fenced or replaced primary). */
    public long closedByTargetChange() {
        return closedByTargetChange.sum();
    }

    public void countClosedByTargetChange(int n) {
        closedByTargetChange.add(n);
    }

    /** Bytes relayed from clients to endpoints. */
    public long bytesUp() {
        return bytesUp.sum();
    }

    /** Bytes relayed from endpoints to clients. */
    public long bytesDown() {
        return bytesDown.sum();
    }
}
