package io.nines.jdbc.island.internal;

import io.nines.core.CallContext;
import io.nines.core.Clock;
import io.nines.core.event.EventPublisher;
import io.nines.jdbc.island.IslandGuard;
import io.nines.jdbc.island.IslandGuardConfig;
import io.nines.jdbc.island.IslandGuardEvent;
import java.time.Duration;

/** {@link IslandGuard#disabled}: always {@link State#OK}, never refuses, publishes nothing. */
public final class DisabledIslandGuard implements IslandGuard {

    private final String name;
    private final Clock clock;
    private final EventPublisher<IslandGuardEvent> events = new EventPublisher<>();

    public DisabledIslandGuard(String name, Clock clock) {
        this.name = name;
        this.clock = clock;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Clock clock() {
        return clock;
    }

    /** A disabled guard has no configuration: {@code null}. */
    @Override
    public IslandGuardConfig config() {
        return null;
    }

    @Override
    public State state() {
        return State.OK;
    }

    @Override
    public boolean allowsGuarded() {
        return true;
    }

    @Override
    public void check() {
    }

    @Override
    public Reason reason() {
        return null;
    }

    /** Zero: a disabled guard never fences anything, so a failover manager cannot rely on it. */
    @Override
    public Duration declarationBound() {
        return Duration.ZERO;
    }

    @Override
    public Duration fenceBound() {
        return Duration.ZERO;
    }

    @Override
    public EventPublisher<IslandGuardEvent> events() {
        return events;
    }

    @Override
    public void acquire(CallContext context, long nowNanos) {
    }

    @Override
    public void onComplete(CallContext context, long nowNanos, long durationNanos, Object result, Throwable error) {
    }

    @Override
    public void abandon(CallContext context) {
    }

    @Override
    public boolean measuresDuration() {
        return false;
    }

    @Override
    public void close() {
    }

    @Override
    public String toString() {
        return "IslandGuard[" + name + ", disabled]";
    }
}
