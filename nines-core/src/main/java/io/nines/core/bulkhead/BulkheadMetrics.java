package io.nines.core.bulkhead;

/**
 * A point-in-time view of a {@link Bulkhead}.
 *
 * @param inflight           calls in flight now, all callers together
 * @param maxConcurrentCalls the total cap
 * @param trackedCallers     per-caller entries held now
 * @param refusals           calls refused since creation
 */
public record BulkheadMetrics(int inflight, int maxConcurrentCalls, int trackedCallers, long refusals) {

    public int availableConcurrentCalls() {
        return Math.max(0, maxConcurrentCalls - inflight);
    }
}
