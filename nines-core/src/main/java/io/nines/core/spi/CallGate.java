package io.nines.core.spi;

import io.nines.core.CallContext;
import io.nines.core.Clock;
import io.nines.core.RefusedException;

/**
 * A policy that admits or refuses each attempt before it runs and observes how it ended: the circuit
 * breaker, rate limiter, bulkhead, concurrency limit and island guard are gates. The pipeline calls,
 * for every attempt and in order, {@link #acquire(CallContext, long)}, then exactly one of
 * {@link #onComplete(CallContext, long, long, Object, Throwable)} (the attempt ran) or
 * {@link #abandon} (a later gate refused, so it never ran).
 *
 * <p>The pipeline reads the clock once per attempt and hands that reading to every gate, because on
 * many machines a clock read costs more than a gate; gates built for a pipeline must share its
 * {@link #clock()}. Implementations sit on the hot path: they must not block, lock or allocate on
 * success. Implement this interface to add a custom admission policy to a pipeline.
 */
public interface CallGate {

    /** The name of this policy instance, used in refusals, events and metrics. */
    String name();

    /** The clock this gate's state is kept in; a pipeline's clock must be the same. */
    Clock clock();

    /**
     * Admits the attempt, or throws the {@link RefusedException} subclass naming the cause.
     *
     * @param nowNanos the current {@link Clock#nanoTime()} of {@link #clock()}
     */
    void acquire(CallContext context, long nowNanos) throws RefusedException;

    /**
     * The admitted attempt ran.
     *
     * @param nowNanos      a reading of the clock at or after the start of the attempt (its end when any
     *                      gate {@link #measuresDuration() measures durations}, otherwise its start)
     * @param durationNanos how long the action took, or 0 when no gate of the pipeline measures durations
     * @param result        its result when it returned normally (may be {@code null})
     * @param error         what it threw, or {@code null} when it returned
     */
    void onComplete(CallContext context, long nowNanos, long durationNanos, Object result, Throwable error);

    /** The admitted attempt did not run (refused by a later gate): give back the permit, record nothing. */
    void abandon(CallContext context);

    /**
     * Whether this gate uses {@code durationNanos}. When no gate of a pipeline does, the pipeline
     * skips the clock read at the end of each attempt.
     */
    default boolean measuresDuration() {
        return true;
    }

    /** {@link #acquire(CallContext, long)} reading {@link #clock()}: for use outside a pipeline. */
    default void acquire(CallContext context) throws RefusedException {
        acquire(context, clock().nanoTime());
    }

    /** {@link #onComplete(CallContext, long, long, Object, Throwable)} reading {@link #clock()}. */
    default void onComplete(CallContext context, long durationNanos, Object result, Throwable error) {
        onComplete(context, clock().nanoTime(), durationNanos, result, error);
    }
}
