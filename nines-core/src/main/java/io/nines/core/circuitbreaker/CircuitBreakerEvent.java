package io.nines.core.circuitbreaker;

import io.nines.core.circuitbreaker.CircuitBreaker.State;
import java.time.Duration;

/**
 * What a {@link CircuitBreaker} reports to the listeners of {@link CircuitBreaker#events()}. Events are built
 * only when a listener is subscribed.
 */
public sealed interface CircuitBreakerEvent {

    /** The circuit breaker's name. */
    String name();

    /** When it happened, from the breaker's clock ({@link io.nines.core.Clock#currentTimeMillis()}). */
    long timeMillis();

    /** The state changed (manually or because of the recorded outcomes). */
    record StateTransition(String name, long timeMillis, State from, State to) implements CircuitBreakerEvent {
    }

    /** A call was refused in {@code state}. */
    record CallNotPermitted(String name, long timeMillis, State state) implements CircuitBreakerEvent {
    }

    /** A call was recorded as a success. */
    record Success(String name, long timeMillis, Duration duration) implements CircuitBreakerEvent {
    }

    /**
     * A call was recorded as a failure: it threw {@code throwable}, or (with {@code throwable == null}) it
     * returned {@code result}, which the {@code recordResult} predicate classifies as a failure.
     */
    record Error(String name, long timeMillis, Duration duration, Throwable throwable, Object result)
            implements CircuitBreakerEvent {
    }

    /** A call's error was neither a success nor a failure (ignored exception, or a refusal of an inner policy). */
    record Ignored(String name, long timeMillis, Duration duration, Throwable throwable) implements CircuitBreakerEvent {
    }

    /** The failure rate reached its threshold; a transition to open follows. */
    record FailureRateExceeded(String name, long timeMillis, float failureRate) implements CircuitBreakerEvent {
    }

    /** The slow-call rate reached its threshold; a transition to open follows. */
    record SlowCallRateExceeded(String name, long timeMillis, float slowCallRate) implements CircuitBreakerEvent {
    }

    /** {@link CircuitBreaker#reset()} was called. */
    record Reset(String name, long timeMillis) implements CircuitBreakerEvent {
    }
}
