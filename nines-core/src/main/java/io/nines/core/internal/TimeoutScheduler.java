package io.nines.core.internal;

import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The scheduler deadlines run on: the one given, or a single daemon thread started on first use
 * (so pipelines without timeouts start no thread).
 */
public final class TimeoutScheduler {

    private final String name;
    private final ReentrantLock lock = new ReentrantLock();
    private volatile ScheduledExecutorService executor;

    public TimeoutScheduler(String name, ScheduledExecutorService given) {
        this.name = name;
        this.executor = given;
    }

    public ScheduledExecutorService get() {
        ScheduledExecutorService e = executor;
        if (e != null) {
            return e;
        }
        lock.lock();
        try {
            if (executor == null) {
                ScheduledThreadPoolExecutor s = new ScheduledThreadPoolExecutor(1, r -> {
                    Thread t = new Thread(r, "nines-timeout-" + name);
                    t.setDaemon(true);
                    return t;
                });
                s.setRemoveOnCancelPolicy(true); // cancelled deadlines must not pile up in the queue
                executor = s;
            }
            return executor;
        } finally {
            lock.unlock();
        }
    }
}
