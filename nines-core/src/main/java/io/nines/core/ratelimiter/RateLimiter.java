package io.nines.core.ratelimiter;

import io.nines.core.CallContext;
import io.nines.core.Clock;
import io.nines.core.RateLimitedException;
import io.nines.core.event.EventPublisher;
import io.nines.core.ratelimiter.internal.DefaultRateLimiter;
import io.nines.core.spi.CallGate;

/**
 * A token-bucket rate limiter, optionally one bucket per caller, so that one caller's surge drops only
 * its own requests (seed 002: "针对不同调用方，限定流量；一个调用方超量，只抛弃这个调用方的请求").
 *
 * <p>Buckets are GCRA cells: one {@code long} (the theoretical arrival time) updated by CAS, refilled
 * lazily from the {@link Clock} on each acquire. A refusal writes nothing. As a {@link CallGate} it takes
 * one permit per attempt from the bucket of {@link CallContext#caller()}, refuses with
 * {@link RateLimitedException}, and gives the permit back on {@link #abandon}.
 */
public interface RateLimiter extends CallGate {

    static RateLimiterBuilder builder(String name) {
        return new RateLimiterBuilder(name);
    }

    static RateLimiter of(String name, RateLimiterConfig config, Clock clock) {
        return new DefaultRateLimiter(name, config, clock);
    }

    RateLimiterConfig config();

    /** Takes one permit from {@code caller}'s bucket ({@code null}: the default bucket); false if none is left. */
    boolean tryAcquire(String caller);

    /**
     * Takes {@code permits} at once, or none. More than the bucket's burst can never succeed.
     *
     * @throws IllegalArgumentException when {@code permits < 1}
     */
    boolean tryAcquire(String caller, int permits);

    /** Permits {@code caller} could take now (the burst for a caller not tracked). */
    long availablePermits(String caller);

    RateLimiterMetrics metrics();

    EventPublisher<RateLimiterEvent> events();
}
