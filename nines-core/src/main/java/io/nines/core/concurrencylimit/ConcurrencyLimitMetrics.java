package io.nines.core.concurrencylimit;

/**
 * A point-in-time view of a {@link ConcurrencyLimit}.
 *
 * @param limit          the current limit
 * @param inflight       calls in flight
 * @param shed           calls shed since creation
 * @param shortRttNanos  average RTT of the last window that updated the limit (0 before any)
 * @param longRttNanos   the long-term RTT baseline (0 before any window)
 * @param trackedCallers per-caller entries held now
 */
public record ConcurrencyLimitMetrics(int limit, int inflight, long shed, long shortRttNanos, long longRttNanos,
        int trackedCallers) {
}
