package io.nines.core.ratelimiter;

/** What a {@link RateLimiter} reports to its listeners. */
public sealed interface RateLimiterEvent {

    /** The rate limiter's name. */
    String name();

    long timeMillis();

    /**
     * A call was refused.
     *
     * @param caller the caller refused ({@code null} for the default bucket)
     * @param global true when the caller had quota left but the global quota did not
     */
    record Refused(String name, String caller, boolean global, long timeMillis) implements RateLimiterEvent {
    }
}
