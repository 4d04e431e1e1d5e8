package io.nines.core.circuitbreaker.internal;

import io.nines.core.CallContext;
import io.nines.core.CircuitOpenException;
import io.nines.core.Clock;
import io.nines.core.InvalidConfigException;
import io.nines.core.RefusedException;
import io.nines.core.TimeoutExceededException;
import io.nines.core.circuitbreaker.CircuitBreaker;
import io.nines.core.circuitbreaker.CircuitBreakerConfig;
import io.nines.core.circuitbreaker.CircuitBreakerEvent;
import io.nines.core.event.EventPublisher;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Predicate;

/**
 * The circuit breaker. Its state is one immutable {@link Phase} per period in a state, swapped by
 * compare-and-set: an automatic transition happens only if the phase it starts from is still current, so
 * concurrent callers that all see the threshold crossed open the breaker exactly once, and a late outcome
 * of an older period can never close or open a newer one. Acquire on a closed breaker is one volatile read;
 * recording a success is one or two atomic adds (see {@link CountWindow}, {@link TimeWindow}).
 */
public final class DefaultCircuitBreaker implements CircuitBreaker {

    private static final VarHandle PHASE;

    static {
        try {
            PHASE = MethodHandles.lookup().findVarHandle(DefaultCircuitBreaker.class, "phase", Phase.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Classification of a completed call. */
    private static final int SUCCESS = 0;
    private static final int FAILURE = 1;
    private static final int IGNORED = 2;

    private final String name;
    private final CircuitBreakerConfig config;
    private final Clock clock;
    private final EventPublisher<CircuitBreakerEvent> events = new EventPublisher<>();
    private final LongAdder notPermitted = new LongAdder();
    private final long slowNanos;
    private final long waitNanos;
    private final long maxHalfOpenNanos;
    private final Predicate<Throwable> recordException;
    private final Predicate<Throwable> ignoreException;
    private final Predicate<Object> recordResult;
    private final boolean ignoreRefusals;

    @SuppressWarnings("unused") // through PHASE
    private volatile Phase phase;

    public DefaultCircuitBreaker(String name, CircuitBreakerConfig config, Clock clock) {
        if (name == null || name.isBlank()) {
            throw new InvalidConfigException(CircuitBreakerConfig.POLICY, "name", "must be set");
        }
        this.name = name;
        this.config = InvalidConfigException.required(CircuitBreakerConfig.POLICY, "config", config);
        this.clock = InvalidConfigException.required(CircuitBreakerConfig.POLICY, "clock", clock);
        this.slowNanos = config.slowCallDurationThreshold().toNanos();
        this.waitNanos = config.waitDurationInOpenState().toNanos();
        this.maxHalfOpenNanos = config.maxWaitDurationInHalfOpenState().toNanos();
        this.recordException = config.recordException();
        this.ignoreException = config.ignoreException();
        this.recordResult = config.recordResult();
        this.ignoreRefusals = config.ignoreRefusals();
        this.phase = closed();
    }

    // ---------------------------------------------------------------- gate

    @Override
    public String name() {
        return name;
    }

    @Override
    public void acquire(CallContext context) {
        Phase refused = admit();
        if (refused != null) {
            countNotPermitted(refused);
            throw new CircuitOpenException(name, refusalMessage(refused));
        }
    }

    @Override
    public boolean tryAcquirePermission() {
        Phase refused = admit();
        if (refused != null) {
            countNotPermitted(refused);
            return false;
        }
        return true;
    }

    /** Admits the call (answers {@code null}) or answers the phase that refuses it. */
    private Phase admit() {
        for (;;) {
            Phase p = phase;
            if (p.admitsAll) {
                return null;
            }
            switch (p.state) {
                case OPEN -> {
                    long now = clock.nanoTime();
                    if (now - p.sinceNanos < waitNanos) {
                        return p;
                    }
                    move(p, halfOpen(now));
                }
                case HALF_OPEN -> {
                    if (p.probes.tryAcquire()) {
                        return null;
                    }
                    if (maxHalfOpenNanos <= 0) {
                        return p;
                    }
                    long now = clock.nanoTime();
                    if (now - p.sinceNanos < maxHalfOpenNanos) {
                        return p;
                    }
                    // The trial calls took too long to report: give up on them and wait again.
                    move(p, open(now, p.probes.counts()));
                }
                default -> {
                    return p; // FORCED_OPEN
                }
            }
        }
    }

    @Override
    public void onComplete(CallContext context, long durationNanos, Object result, Throwable error) {
        Phase p = phase;
        if (p.state == State.DISABLED) {
            return;
        }
        int kind = classify(result, error);
        if (kind == IGNORED) {
            if (p.probes != null) {
                p.probes.release();
            }
            if (events.hasListeners()) {
                events.publish(new CircuitBreakerEvent.Ignored(name, clock.currentTimeMillis(),
                        Duration.ofNanos(durationNanos), error));
            }
            return;
        }
        int outcome = Outcome.of(kind == FAILURE, durationNanos > slowNanos);
        if (events.hasListeners()) {
            long now = clock.currentTimeMillis();
            events.publish(kind == FAILURE
                    ? new CircuitBreakerEvent.Error(name, now, Duration.ofNanos(durationNanos), error, error == null ? result : null)
                    : new CircuitBreakerEvent.Success(name, now, Duration.ofNanos(durationNanos)));
        }
        if (p.window != null) {
            int exceeded = p.window.record(outcome);
            if (exceeded != Thresholds.NONE && p.state == State.CLOSED) {
                trip(p, exceeded, p.window.counts());
            }
        } else if (p.probes != null) {
            int decision = p.probes.record(outcome);
            if (decision == Thresholds.NONE) {
                move(p, closed());
            } else if (decision != ProbeWindow.PENDING) {
                trip(p, decision, p.probes.counts());
            }
        }
        // OPEN, FORCED_OPEN: the call was admitted before the breaker opened; its outcome no longer matters.
    }

    @Override
    public void abandon(CallContext context) {
        Phase p = phase;
        if (p.probes != null) {
            p.probes.release();
        }
    }

    private int classify(Object result, Throwable error) {
        if (error == null) {
            return recordResult.test(result) ? FAILURE : SUCCESS;
        }
        Throwable cause = unwrap(error);
        if (ignoreRefusals && cause instanceof RefusedException && !(cause instanceof TimeoutExceededException)) {
            return IGNORED; // an inner policy refused: the target was not even called
        }
        if (ignoreException.test(cause)) {
            return IGNORED;
        }
        return recordException.test(cause) ? FAILURE : SUCCESS;
    }

    /** The error an asynchronous stage or a future wraps. */
    private static Throwable unwrap(Throwable error) {
        Throwable t = error;
        for (int i = 0; i < 8 && (t instanceof CompletionException || t instanceof ExecutionException)
                && t.getCause() != null; i++) {
            t = t.getCause();
        }
        return t;
    }

    @Override
    public <T> T execute(Callable<T> action) throws Exception {
        Objects.requireNonNull(action, "action");
        acquire(CallContext.DEFAULT);
        long start = clock.nanoTime();
        T result;
        try {
            result = action.call();
        } catch (Throwable t) {
            onComplete(CallContext.DEFAULT, clock.nanoTime() - start, null, t);
            throw t;
        }
        onComplete(CallContext.DEFAULT, clock.nanoTime() - start, result, null);
        return result;
    }

    // ---------------------------------------------------------------- state

    @Override
    public CircuitBreakerConfig config() {
        return config;
    }

    @Override
    public State state() {
        return current().state;
    }

    @Override
    public Metrics metrics() {
        Phase p = current();
        Counts c = switch (p.state) {
            case CLOSED, FORCED_CLOSED -> p.window.counts();
            case HALF_OPEN -> p.probes.counts();
            case OPEN -> p.tripped;
            case FORCED_OPEN, DISABLED -> Counts.EMPTY;
        };
        return new Metrics(c.failureRate(), c.slowCallRate(), c.calls(), c.failed(), c.slow(), notPermitted.sum(),
                p.state);
    }

    /** The current phase, moved to half-open first if the wait has passed and the config asks for it. */
    private Phase current() {
        Phase p = phase;
        if (p.state == State.OPEN && config.automaticTransitionFromOpenToHalfOpen()) {
            long now = clock.nanoTime();
            if (now - p.sinceNanos >= waitNanos) {
                move(p, halfOpen(now));
                return phase;
            }
        }
        return p;
    }

    @Override
    public void transitionToClosed() {
        install(closed());
    }

    @Override
    public void transitionToOpen() {
        Phase p = phase;
        Counts c = switch (p.state) {
            case CLOSED, FORCED_CLOSED -> p.window.counts();
            case HALF_OPEN -> p.probes.counts();
            case OPEN -> p.tripped;
            case FORCED_OPEN, DISABLED -> Counts.EMPTY;
        };
        install(open(clock.nanoTime(), c));
    }

    @Override
    public void transitionToHalfOpen() {
        install(halfOpen(clock.nanoTime()));
    }

    @Override
    public void forceOpen() {
        install(new Phase(State.FORCED_OPEN, clock.nanoTime(), null, null, Counts.EMPTY));
    }

    @Override
    public void forceClosed() {
        install(new Phase(State.FORCED_CLOSED, clock.nanoTime(), SlidingWindow.of(config, clock), null, null));
    }

    @Override
    public void disable() {
        install(new Phase(State.DISABLED, clock.nanoTime(), null, null, null));
    }

    @Override
    public void reset() {
        Phase previous = (Phase) PHASE.getAndSet(this, closed());
        notPermitted.reset();
        if (events.hasListeners()) {
            long now = clock.currentTimeMillis();
            if (previous.state != State.CLOSED) {
                events.publish(new CircuitBreakerEvent.StateTransition(name, now, previous.state, State.CLOSED));
            }
            events.publish(new CircuitBreakerEvent.Reset(name, now));
        }
    }

    @Override
    public EventPublisher<CircuitBreakerEvent> events() {
        return events;
    }

    /** Opens the breaker from {@code from}, unless another thread already left that phase. */
    private void trip(Phase from, int exceeded, Counts counts) {
        Phase open = open(clock.nanoTime(), counts);
        if (PHASE.compareAndSet(this, from, open) && events.hasListeners()) {
            long now = clock.currentTimeMillis();
            if ((exceeded & Thresholds.FAILURE_RATE) != 0) {
                events.publish(new CircuitBreakerEvent.FailureRateExceeded(name, now, counts.failureRate()));
            }
            if ((exceeded & Thresholds.SLOW_CALL_RATE) != 0) {
                events.publish(new CircuitBreakerEvent.SlowCallRateExceeded(name, now, counts.slowCallRate()));
            }
            events.publish(new CircuitBreakerEvent.StateTransition(name, now, from.state, State.OPEN));
        }
    }

    /** An automatic transition: happens only if {@code from} is still the current phase. */
    private void move(Phase from, Phase to) {
        if (PHASE.compareAndSet(this, from, to) && events.hasListeners()) {
            events.publish(new CircuitBreakerEvent.StateTransition(name, clock.currentTimeMillis(), from.state, to.state));
        }
    }

    /** A manual transition: always happens. */
    private void install(Phase to) {
        Phase from = (Phase) PHASE.getAndSet(this, to);
        if (from.state != to.state && events.hasListeners()) {
            events.publish(new CircuitBreakerEvent.StateTransition(name, clock.currentTimeMillis(), from.state, to.state));
        }
    }

    private Phase closed() {
        return new Phase(State.CLOSED, clock.nanoTime(), SlidingWindow.of(config, clock), null, null);
    }

    private Phase open(long now, Counts tripped) {
        return new Phase(State.OPEN, now, null, null, tripped);
    }

    private Phase halfOpen(long now) {
        return new Phase(State.HALF_OPEN, now, null, new ProbeWindow(config.permittedCallsInHalfOpenState(),
                config.failureRateThreshold(), config.slowCallRateThreshold()), null);
    }

    private void countNotPermitted(Phase refusing) {
        notPermitted.increment();
        if (events.hasListeners()) {
            events.publish(new CircuitBreakerEvent.CallNotPermitted(name, clock.currentTimeMillis(), refusing.state));
        }
    }

    private String refusalMessage(Phase p) {
        String head = "circuit breaker '" + name + "' is " + p.state;
        return switch (p.state) {
            case OPEN -> head + ": calls are not permitted for another "
                    + ceilMillis(waitNanos - (clock.nanoTime() - p.sinceNanos)) + " ms";
            case HALF_OPEN -> head + ": its " + p.probes.probes + " trial calls are in flight"
                    + (maxHalfOpenNanos > 0
                    ? ", opening again in at most " + ceilMillis(maxHalfOpenNanos - (clock.nanoTime() - p.sinceNanos)) + " ms"
                    : "");
            default -> head + ": calls are not permitted until it is closed or reset";
        };
    }

    private static long ceilMillis(long nanos) {
        return nanos <= 0 ? 0 : (nanos + 999_999) / 1_000_000;
    }

    @Override
    public String toString() {
        return "CircuitBreaker[" + name + ", " + phase.state + "]";
    }

    /**
     * One period in one state. Immutable apart from its window's counters; a new instance for every
     * transition, so a compare-and-set on the reference names exactly the period it leaves.
     */
    private static final class Phase {
        final State state;
        /** CLOSED, FORCED_CLOSED, DISABLED: every call is admitted. */
        final boolean admitsAll;
        /** When the period started (clock nanos). */
        final long sinceNanos;
        /** CLOSED, FORCED_CLOSED: the recorded calls. */
        final SlidingWindow window;
        /** HALF_OPEN: the trial calls. */
        final ProbeWindow probes;
        /** OPEN: the counts that made it open (for metrics). */
        final Counts tripped;

        Phase(State state, long sinceNanos, SlidingWindow window, ProbeWindow probes, Counts tripped) {
            this.state = state;
            this.admitsAll = state == State.CLOSED || state == State.FORCED_CLOSED || state == State.DISABLED;
            this.sinceNanos = sinceNanos;
            this.window = window;
            this.probes = probes;
            this.tripped = tripped;
        }
    }
}
