package io.nines.core.bulkhead;

import io.nines.core.BulkheadFullException;
import io.nines.core.CallContext;
import io.nines.core.Clock;
import io.nines.core.bulkhead.internal.DefaultBulkhead;
import io.nines.core.event.EventPublisher;
import io.nines.core.spi.CallGate;

/**
 * A fixed cap on calls in flight, total and optionally per caller, that never waits: when full it
 * refuses at once with {@link BulkheadFullException} (as Envoy's circuit-breaker thresholds do), so a
 * slow target cannot tie up every thread of its callers. As a {@link CallGate} the place taken by
 * {@link #acquire} is given back by {@link #onComplete} or {@link #abandon}.
 */
public interface Bulkhead extends CallGate {

    static BulkheadBuilder builder(String name) {
        return new BulkheadBuilder(name);
    }

    static Bulkhead of(String name, BulkheadConfig config, Clock clock) {
        return new DefaultBulkhead(name, config, clock);
    }

    BulkheadConfig config();

    /** Takes a place for {@code caller} ({@code null}: unknown caller); false when full. Pair with {@link #release}. */
    boolean tryAcquire(String caller);

    /** Gives back a place taken by {@link #tryAcquire} or {@link #acquire}. */
    void release(String caller);

    /** Calls in flight, all callers together. */
    int inflight();

    /** Calls in flight for {@code caller} (0 when not tracked or not per caller). */
    int inflight(String caller);

    BulkheadMetrics metrics();

    EventPublisher<BulkheadEvent> events();
}
