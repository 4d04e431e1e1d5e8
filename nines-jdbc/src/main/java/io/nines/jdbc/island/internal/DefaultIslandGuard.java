package io.nines.jdbc.island.internal;

import io.nines.core.CallContext;
import io.nines.core.Clock;
import io.nines.core.IslandFencedException;
import io.nines.core.event.EventPublisher;
import io.nines.core.event.EventPublisher.Subscription;
import io.nines.jdbc.island.IslandGuard;
import io.nines.jdbc.island.IslandGuardConfig;
import io.nines.jdbc.island.IslandGuardEvent;
import io.nines.jdbc.island.Peer;
import io.nines.topology.QuorumSignal;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drives an {@link IslandStateMachine}: every input (quorum change, check result, timer) runs on one guard thread,
 * in order; double checks run on virtual threads. Callers only read the machine's volatile state.
 */
public final class DefaultIslandGuard implements IslandGuard {

    private static final Logger LOG = LoggerFactory.getLogger(DefaultIslandGuard.class);

    private final String name;
    private final IslandGuardConfig config;
    private final QuorumSignal quorum;
    private final Clock clock;
    private final EventPublisher<IslandGuardEvent> events = new EventPublisher<>();
    private final IslandStateMachine machine;
    private final ScheduledThreadPoolExecutor thread;
    private final Set<Thread> checks = ConcurrentHashMap.newKeySet();
    private final Subscription subscription;
    private ScheduledFuture<?> timer; // guard thread only
    private volatile boolean closed;

    public DefaultIslandGuard(String name, IslandGuardConfig config, QuorumSignal quorum, Clock clock) {
        this.name = Objects.requireNonNull(name, "name");
        this.config = Objects.requireNonNull(config, "config");
        this.quorum = Objects.requireNonNull(quorum, "quorum");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.machine = new IslandStateMachine(name, config.zone(), config.storeSessionTimeout().toNanos(),
                config.recheckInterval().toNanos(), events);
        this.thread = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "nines-island-guard-" + name);
            t.setDaemon(true);
            return t;
        });
        thread.setRemoveOnCancelPolicy(true);
        // Subscribe first, then read the state: a change in between is seen twice, which the machine ignores.
        this.subscription = quorum.listen(change -> submit(() -> apply(machine.onQuorum(change.state(),
                clock.nanoTime(), clock.currentTimeMillis()))));
        submit(() -> apply(machine.onQuorum(quorum.state(), clock.nanoTime(), clock.currentTimeMillis())));
        // The first state must be known before anyone asks: wait for that first step (a few microseconds).
        try {
            thread.submit(() -> { }).get();
        } catch (Exception e) {
            throw new IllegalStateException("island guard " + name + " did not start", e);
        }
    }

    private void submit(Runnable task) {
        if (closed) {
            return;
        }
        try {
            thread.execute(() -> {
                if (closed) {
                    return;
                }
                try {
                    task.run();
                } catch (RuntimeException e) {
                    LOG.error("island guard {}: internal error", name, e);
                }
            });
        } catch (RejectedExecutionException e) {
            // closed meanwhile
        }
    }

    /** Guard thread: carries out a step of the machine. */
    private void apply(IslandStateMachine.Step step) {
        if (step.startCheck() != 0) {
            startCheck(step.startCheck());
        }
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
        if (step.wakeInNanos() >= 0 && !closed) {
            timer = thread.schedule(() -> {
                if (!closed) {
                    apply(machine.onTimer(clock.nanoTime(), clock.currentTimeMillis()));
                }
            }, step.wakeInNanos(), TimeUnit.NANOSECONDS);
        }
    }

    private void startCheck(long id) {
        Thread t = Thread.ofVirtual().name("nines-island-check " + name + " #" + id).unstarted(() -> {
            Peer answered = null;
            try {
                answered = DoubleCheck.run(name, config.peers(), config.probe(), config.doubleCheckTimeout(),
                        config.probeTimeout());
            } catch (InterruptedException e) {
                return; // closing
            } finally {
                checks.remove(Thread.currentThread());
            }
            Peer result = answered;
            submit(() -> apply(machine.onCheckDone(id, result, quorum.state(), clock.nanoTime(),
                    clock.currentTimeMillis())));
        });
        checks.add(t);
        t.start();
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Clock clock() {
        return clock;
    }

    @Override
    public IslandGuardConfig config() {
        return config;
    }

    @Override
    public State state() {
        return machine.state();
    }

    @Override
    public boolean allowsGuarded() {
        return machine.state() != State.ISLAND;
    }

    @Override
    public Reason reason() {
        return machine.reason();
    }

    @Override
    public void check() throws IslandFencedException {
        if (machine.state() == State.ISLAND) {
            throw new IslandFencedException(name, machine.refusalMessage());
        }
    }

    @Override
    public void acquire(CallContext context, long nowNanos) throws IslandFencedException {
        if (machine.state() == State.ISLAND) {
            throw new IslandFencedException(name, machine.refusalMessage());
        }
    }

    @Override
    public void onComplete(CallContext context, long nowNanos, long durationNanos, Object result, Throwable error) {
        // Admission only: outcomes tell the guard nothing about the store or other zones.
    }

    @Override
    public void abandon(CallContext context) {
    }

    @Override
    public boolean measuresDuration() {
        return false;
    }

    @Override
    public Duration declarationBound() {
        return config.declarationBound();
    }

    @Override
    public Duration fenceBound() {
        return config.fenceBound();
    }

    @Override
    public EventPublisher<IslandGuardEvent> events() {
        return events;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        subscription.close();
        thread.shutdownNow();
        checks.forEach(Thread::interrupt);
    }

    @Override
    public String toString() {
        return "IslandGuard[" + name + ", zone " + config.zone() + ", " + machine.state()
                + (machine.reason() != null ? " (" + machine.reason() + ")" : "") + "]";
    }
}
