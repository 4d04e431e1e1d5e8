package io.nines.core.circuitbreaker;

import io.nines.core.CallContext;
import io.nines.core.CircuitOpenException;
import io.nines.core.Clock;
import io.nines.core.circuitbreaker.internal.DefaultCircuitBreaker;
import io.nines.core.event.EventPublisher;
import io.nines.core.spi.CallGate;
import java.util.concurrent.Callable;

/**
 * Stops sending calls to a target that is failing or slow, and lets a few trial calls through after a
 * while to find out whether it has recovered.
 *
 * <p>{@link State#CLOSED}: every call is admitted and its outcome recorded in a sliding window (the last N
 * calls, or the last N seconds). Once the window holds at least {@code minimumNumberOfCalls} outcomes and the
 * failure rate or the slow-call rate reaches its threshold, the breaker opens. {@link State#OPEN}: calls are
 * refused with {@link CircuitOpenException} until {@code waitDurationInOpenState} has passed; the next
 * acquire then moves it to {@link State#HALF_OPEN} (lazily, no timer thread). {@link State#HALF_OPEN}: exactly
 * {@code permittedCallsInHalfOpenState} trial calls are admitted, the rest refused; when all their outcomes
 * are in, the breaker closes if both rates are under their thresholds, and opens again otherwise.
 *
 * <p>For drills and operations: {@link #forceOpen()} ({@link State#FORCED_OPEN}, refuses everything),
 * {@link #forceClosed()} ({@link State#FORCED_CLOSED}, admits everything and keeps recording metrics, but
 * never opens), {@link #disable()} ({@link State#DISABLED}, admits everything, records nothing). Any
 * {@code transitionTo...} or {@link #reset()} leaves those states.
 *
 * <p>As a {@link CallGate}, the breaker is used by the pipeline: {@link #acquire}, then {@link #onComplete}
 * or {@link #abandon}. Standalone, use {@link #execute(Callable)}, or {@link #tryAcquirePermission()} followed
 * by {@link #onComplete}/{@link #abandon}. On the success path it takes no lock and allocates nothing.
 */
public interface CircuitBreaker extends CallGate {

    /** A builder with Resilience4j's defaults, using {@link Clock#system()} unless told otherwise. */
    static CircuitBreakerBuilder builder(String name) {
        return new CircuitBreakerBuilder(name);
    }

    static CircuitBreaker of(String name, CircuitBreakerConfig config, Clock clock) {
        return new DefaultCircuitBreaker(name, config, clock);
    }

    static CircuitBreaker of(String name, CircuitBreakerConfig config) {
        return of(name, config, Clock.system());
    }

    static CircuitBreaker ofDefaults(String name) {
        return builder(name).build();
    }

    CircuitBreakerConfig config();

    /**
     * The current state. With {@code automaticTransitionFromOpenToHalfOpen}, an {@link State#OPEN} breaker
     * whose wait has elapsed moves to {@link State#HALF_OPEN} when this is read; otherwise on the next acquire.
     */
    State state();

    /** A snapshot of the current state's window and of the refused calls. */
    Metrics metrics();

    /**
     * Like {@link #acquire(CallContext)} but answers {@code false} instead of throwing. A {@code true} must be
     * followed by exactly one {@link #onComplete} or {@link #abandon}.
     */
    boolean tryAcquirePermission();

    /** Runs {@code action} under the breaker: refuses it with {@link CircuitOpenException} or records its outcome. */
    <T> T execute(Callable<T> action) throws Exception;

    /** Closes the breaker with an empty window. */
    void transitionToClosed();

    /** Opens the breaker; it moves to half-open after {@code waitDurationInOpenState}, as if it had tripped. */
    void transitionToOpen();

    /** Starts a new round of {@code permittedCallsInHalfOpenState} trial calls. */
    void transitionToHalfOpen();

    /** Refuses every call until another transition (for drills and emergencies). */
    void forceOpen();

    /** Admits every call and keeps recording metrics, but never opens, until another transition. */
    void forceClosed();

    /** Admits every call and records nothing, until another transition. */
    void disable();

    /** Back to {@link State#CLOSED} with an empty window and a zero not-permitted count. */
    void reset();

    /** Events of this breaker; listeners run synchronously on the thread that caused the event. */
    EventPublisher<CircuitBreakerEvent> events();

    /** States of a circuit breaker. */
    enum State {
        /** Calls are admitted and recorded; the breaker opens when a threshold is reached. */
        CLOSED,
        /** Calls are refused until the wait in open state has passed. */
        OPEN,
        /** A fixed number of trial calls is admitted; their outcome decides between closed and open. */
        HALF_OPEN,
        /** Calls are refused until another transition is asked for. */
        FORCED_OPEN,
        /** Calls are admitted and recorded, but the breaker never opens. */
        FORCED_CLOSED,
        /** Calls are admitted and nothing is recorded. */
        DISABLED
    }

    /**
     * A snapshot of the breaker. In {@link State#CLOSED} and {@link State#FORCED_CLOSED} the counts are those
     * of the sliding window; in {@link State#HALF_OPEN} those of the trial calls so far; in {@link State#OPEN}
     * those that made it open; in the other states they are zero.
     *
     * @param failureRate       failed calls in percent of {@code numberOfCalls}, or {@code -1} while fewer calls
     *                          than the minimum needed to decide have been recorded
     * @param slowCallRate      slow calls in percent of {@code numberOfCalls}, or {@code -1} likewise
     * @param numberOfCalls     calls recorded (ignored calls are not)
     * @param failedCalls       calls recorded as failures
     * @param slowCalls         calls that took longer than {@code slowCallDurationThreshold} (failed or not)
     * @param notPermittedCalls calls refused since the breaker was built or {@link #reset()}
     * @param state             the state these numbers belong to
     */
    record Metrics(float failureRate, float slowCallRate, long numberOfCalls, long failedCalls, long slowCalls,
                   long notPermittedCalls, State state) {

        public long successfulCalls() {
            return numberOfCalls - failedCalls;
        }
    }
}
