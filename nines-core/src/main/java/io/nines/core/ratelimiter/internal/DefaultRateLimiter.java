package io.nines.core.ratelimiter.internal;

import io.nines.core.internal.CallerTable;
import io.nines.core.CallContext;
import io.nines.core.Clock;
import io.nines.core.RateLimitedException;
import io.nines.core.event.EventPublisher;
import io.nines.core.ratelimiter.Quota;
import io.nines.core.ratelimiter.RateLimiter;
import io.nines.core.ratelimiter.RateLimiterConfig;
import io.nines.core.ratelimiter.RateLimiterEvent;
import io.nines.core.ratelimiter.RateLimiterMetrics;
import java.util.concurrent.atomic.LongAdder;

/**
 * The {@link RateLimiter}: GCRA buckets, one shared or one per caller in a bounded {@link CallerTable},
 * plus an optional global bucket. Success path: one map lookup (none for a shared limiter), one CAS per
 * bucket, no allocation.
 */
public final class DefaultRateLimiter implements RateLimiter {

    private final String name;
    private final RateLimiterConfig config;
    private final Clock clock;
    private final boolean perCaller;
    /** The shared bucket, and in per-caller mode the bucket of the {@code null} caller. */
    private final Bucket defaultBucket;
    private final Bucket globalBucket;
    private final CallerTable<Bucket> callers;
    private final LongAdder refusals = new LongAdder();
    private final EventPublisher<RateLimiterEvent> events = new EventPublisher<>();

    public DefaultRateLimiter(String name, RateLimiterConfig config, Clock clock) {
        this.name = name;
        this.config = config;
        this.clock = clock;
        this.perCaller = config.perCaller();
        long now = clock.nanoTime();
        this.defaultBucket = new Bucket(config.defaultQuota(), now);
        this.globalBucket = config.globalQuota() == null ? null : new Bucket(config.globalQuota(), now);
        this.callers = perCaller
                ? new CallerTable<>(config.maxCallers(), clock, c -> new Bucket(config.quotaOf(c), clock.nanoTime()))
                : null;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public RateLimiterConfig config() {
        return config;
    }

    @Override
    public void acquire(CallContext context) {
        String caller = context.caller();
        Bucket refusedBy = take(caller, 1, clock.nanoTime());
        if (refusedBy != null) {
            throw refused(caller, refusedBy);
        }
    }

    @Override
    public void onComplete(CallContext context, long durationNanos, Object result, Throwable error) {
        // the permit was spent when the call was admitted
    }

    @Override
    public void abandon(CallContext context) {
        // the call never ran: give its permit back to the caller's bucket and the global one
        String caller = context.caller();
        long now = clock.nanoTime();
        Bucket b = perCaller && caller != null ? callers.peek(caller) : defaultBucket;
        if (b != null) {
            b.refund(1, now);
        }
        if (globalBucket != null) {
            globalBucket.refund(1, now);
        }
    }

    @Override
    public boolean tryAcquire(String caller) {
        return tryAcquire(caller, 1);
    }

    @Override
    public boolean tryAcquire(String caller, int permits) {
        if (permits < 1) {
            throw new IllegalArgumentException("permits must be >= 1, was " + permits);
        }
        Bucket refusedBy = take(caller, permits, clock.nanoTime());
        if (refusedBy != null) {
            recordRefusal(caller, refusedBy);
            return false;
        }
        return true;
    }

    @Override
    public long availablePermits(String caller) {
        long now = clock.nanoTime();
        Bucket b = bucketIfTracked(caller);
        long own = b == null ? config.quotaOf(caller).burst() : b.available(now);
        return globalBucket == null ? own : Math.min(own, globalBucket.available(now));
    }

    @Override
    public RateLimiterMetrics metrics() {
        return new RateLimiterMetrics(callers == null ? 0 : callers.size(), refusals.sum(),
                callers == null ? 0 : callers.evictions());
    }

    @Override
    public EventPublisher<RateLimiterEvent> events() {
        return events;
    }

    /** Takes the permits from the caller's bucket then the global one; returns the refusing bucket or null. */
    private Bucket take(String caller, int n, long now) {
        Bucket b;
        int r;
        if (perCaller && caller != null) {
            b = callers.get(caller);
            while ((r = take(b, n, now)) == Bucket.RETIRED) {
                b = callers.replace(caller, b);
            }
        } else {
            b = defaultBucket;
            r = take(b, n, now);
        }
        if (r != Bucket.TAKEN) {
            return b;
        }
        if (globalBucket != null && take(globalBucket, n, now) != Bucket.TAKEN) {
            b.refund(n, now); // the caller keeps its own permits when the global quota refuses
            return globalBucket;
        }
        return null;
    }

    private static int take(Bucket b, int n, long now) {
        return n > b.quota.burst() ? Bucket.REFUSED : b.tryTake(n, now);
    }

    private Bucket bucketIfTracked(String caller) {
        return perCaller && caller != null ? callers.peek(caller) : defaultBucket;
    }

    private RateLimitedException refused(String caller, Bucket by) {
        recordRefusal(caller, by);
        boolean global = by == globalBucket;
        String who = global ? null : perCaller ? caller : null;
        Quota q = by.quota;
        String msg = global
                ? "rate limiter '" + name + "': global quota of " + q + " exhausted"
                : perCaller
                        ? "rate limiter '" + name + "': caller '" + caller + "' exceeded its quota of " + q
                        : "rate limiter '" + name + "': quota of " + q + " exhausted";
        return new RateLimitedException(name, who, msg);
    }

    private void recordRefusal(String caller, Bucket by) {
        refusals.increment();
        if (events.hasListeners()) {
            events.publish(new RateLimiterEvent.Refused(name, caller, by == globalBucket, clock.currentTimeMillis()));
        }
    }
}
