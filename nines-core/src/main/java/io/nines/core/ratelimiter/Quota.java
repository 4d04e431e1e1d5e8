package io.nines.core.ratelimiter;

import java.time.Duration;

/**
 * A token bucket: {@code permits} per {@code period} on average, at most {@code burst} at once (the
 * bucket's capacity). A caller at exactly its rate is never refused, whatever the burst; one above it
 * gets {@code burst} extra permits, then its rate. Validated when the limiter's config is built.
 *
 * @param permits permits added per period
 * @param period  the refill period
 * @param burst   the bucket capacity: permits that may be taken at once after a quiet spell
 */
public record Quota(int permits, Duration period, int burst) {

    /** {@code permits} per {@code period}, with a burst of one period's worth. */
    public static Quota of(int permits, Duration period) {
        return new Quota(permits, period, permits);
    }

    public static Quota of(int permits, Duration period, int burst) {
        return new Quota(permits, period, burst);
    }

    public static Quota perSecond(int permits) {
        return of(permits, Duration.ofSeconds(1));
    }

    /** The same rate with another burst. */
    public Quota withBurst(int burst) {
        return new Quota(permits, period, burst);
    }

    /** Nanoseconds between two permits (the refill interval), rounded down. */
    public long intervalNanos() {
        return period.toNanos() / permits;
    }

    @Override
    public String toString() {
        return permits + " per " + period + " (burst " + burst + ")";
    }
}
