package io.nines.core.ratelimiter;

import static io.nines.core.InvalidConfigException.positive;
import static io.nines.core.InvalidConfigException.required;

import io.nines.core.Clock;
import io.nines.core.InvalidConfigException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/** Fluent builder of a {@link RateLimiter}; {@link #config()} and {@link #build()} validate every field. */
public final class RateLimiterBuilder {

    static final String POLICY = "rateLimiter";
    /** Burst × interval must stay far from overflow of the nanosecond arithmetic. */
    private static final long MAX_TOLERANCE_NANOS = Long.MAX_VALUE / 4;

    private final String name;
    private Quota defaultQuota = Quota.perSecond(50);
    private boolean perCaller;
    private final Map<String, Quota> overrides = new LinkedHashMap<>();
    private Quota globalQuota;
    private int maxCallers = 10_000;
    private Clock clock = Clock.system();

    RateLimiterBuilder(String name) {
        this.name = name;
    }

    /** Starts from an existing config. */
    public RateLimiterBuilder from(RateLimiterConfig config) {
        defaultQuota = config.defaultQuota();
        perCaller = config.perCaller();
        overrides.clear();
        overrides.putAll(config.overrides());
        globalQuota = config.globalQuota();
        maxCallers = config.maxCallers();
        return this;
    }

    /** Quota of the shared bucket, or of every caller without an override. Default 50 per second. */
    public RateLimiterBuilder defaultQuota(Quota quota) {
        this.defaultQuota = quota;
        return this;
    }

    /** Shorthand for {@code defaultQuota(Quota.of(permits, period))}. */
    public RateLimiterBuilder limitForPeriod(int permits, Duration period) {
        return defaultQuota(Quota.of(permits, period));
    }

    /** One bucket per caller id instead of one for all. Default false. */
    public RateLimiterBuilder perCaller(boolean perCaller) {
        this.perCaller = perCaller;
        return this;
    }

    /** A caller's own quota, instead of the default (implies nothing unless {@link #perCaller(boolean)}). */
    public RateLimiterBuilder override(String caller, Quota quota) {
        overrides.put(caller, quota);
        return this;
    }

    /** A bucket shared by all callers, checked after each caller's own; {@code null} (default) for none. */
    public RateLimiterBuilder globalQuota(Quota quota) {
        this.globalQuota = quota;
        return this;
    }

    /** Most caller buckets tracked at once (bounds memory under many distinct callers). Default 10 000. */
    public RateLimiterBuilder maxCallers(int maxCallers) {
        this.maxCallers = maxCallers;
        return this;
    }

    public RateLimiterBuilder clock(Clock clock) {
        this.clock = clock;
        return this;
    }

    public RateLimiterConfig config() {
        required(POLICY, "name", name);
        validate("defaultQuota", defaultQuota);
        for (Map.Entry<String, Quota> e : overrides.entrySet()) {
            if (e.getKey() == null) {
                throw new InvalidConfigException(POLICY, "overrides", "caller id must be set");
            }
            validate("overrides[" + e.getKey() + "]", e.getValue());
        }
        if (globalQuota != null) {
            validate("globalQuota", globalQuota);
        }
        positive(POLICY, "maxCallers", maxCallers);
        return new RateLimiterConfig(defaultQuota, perCaller, overrides, globalQuota, maxCallers);
    }

    public RateLimiter build() {
        RateLimiterConfig config = config();
        return RateLimiter.of(name, config, required(POLICY, "clock", clock));
    }

    private static void validate(String field, Quota q) {
        required(POLICY, field, q);
        positive(POLICY, field + ".permits", q.permits());
        positive(POLICY, field + ".period", q.period());
        positive(POLICY, field + ".burst", q.burst());
        if (q.period().compareTo(Duration.ofDays(365)) > 0) {
            throw new InvalidConfigException(POLICY, field + ".period", "must be at most 365 days, was " + q.period());
        }
        if (q.period().toNanos() / q.permits() < 1) {
            throw new InvalidConfigException(POLICY, field + ".permits",
                    "more than one permit per nanosecond: " + q.permits() + " per " + q.period());
        }
        if (q.burst() > MAX_TOLERANCE_NANOS / q.intervalNanos()) {
            throw new InvalidConfigException(POLICY, field + ".burst", "too large for the refill interval: " + q.burst());
        }
    }
}
