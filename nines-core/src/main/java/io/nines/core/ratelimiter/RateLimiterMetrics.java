package io.nines.core.ratelimiter;

/**
 * A point-in-time view of a {@link RateLimiter}.
 *
 * @param trackedCallers caller buckets held now (at most about {@code maxCallers})
 * @param refusals       calls refused since creation
 * @param evictions      caller buckets dropped to bound memory since creation
 */
public record RateLimiterMetrics(int trackedCallers, long refusals, long evictions) {
}
