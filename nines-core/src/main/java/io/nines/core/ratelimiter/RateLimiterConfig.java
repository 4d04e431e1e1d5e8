package io.nines.core.ratelimiter;

import java.util.Map;

/**
 * Immutable, validated configuration of a {@link RateLimiter}; built by {@link RateLimiterBuilder#config()}.
 *
 * @param defaultQuota quota of the shared bucket, or of each caller without an override when per caller
 * @param perCaller    one bucket per caller id ({@code CallContext.caller()}); the {@code null} caller shares
 *                     one default bucket. When false, all callers share one bucket.
 * @param overrides    caller id → quota, used instead of the default (per caller only)
 * @param globalQuota  an extra bucket shared by all callers and checked after the caller's own, or
 *                     {@code null} for none
 * @param maxCallers   most caller buckets tracked at once; beyond it, full (idle) buckets are dropped,
 *                     then those nearest to full
 */
public record RateLimiterConfig(Quota defaultQuota, boolean perCaller, Map<String, Quota> overrides,
        Quota globalQuota, int maxCallers) {

    public RateLimiterConfig {
        overrides = Map.copyOf(overrides);
    }

    /** The quota of {@code caller}: its override, else the default. */
    public Quota quotaOf(String caller) {
        if (caller != null) {
            Quota q = overrides.get(caller);
            if (q != null) {
                return q;
            }
        }
        return defaultQuota;
    }
}
