package io.nines.core.spi;

import io.nines.core.CallContext;
import io.nines.core.RefusedException;

/**
 * A policy that admits or refuses each attempt before it runs and observes how it ended: the circuit
 * breaker, rate limiter, bulkhead, concurrency limit and island guard are gates. The pipeline calls,
 * for every attempt and in order, {@link #acquire}, then exactly one of {@link #onComplete} (the
 * attempt ran) or {@link #abandon} (a later gate refused, so it never ran).
 *
 * <p>Implementations sit on the hot path: they must not block, lock or allocate on success.
 * Implement this interface to add a custom admission policy to a pipeline.
 */
public interface CallGate {

    /** The name of this policy instance, used in refusals, events and metrics. */
    String name();

    /** Admits the attempt, or throws the {@link RefusedException} subclass naming the cause. */
    void acquire(CallContext context) throws RefusedException;

    /**
     * The admitted attempt ran.
     *
     * @param durationNanos how long the action took
     * @param result        its result when it returned normally (may be {@code null})
     * @param error         what it threw, or {@code null} when it returned
     */
    void onComplete(CallContext context, long durationNanos, Object result, Throwable error);

    /** The admitted attempt did not run (refused by a later gate): give back the permit, record nothing. */
    void abandon(CallContext context);
}
