package io.nines.core.circuitbreaker.internal;

import io.nines.core.Clock;
import io.nines.core.circuitbreaker.CircuitBreakerConfig;

/**
 * The outcomes of the recent calls of a closed breaker. A window belongs to one closed (or forced-closed)
 * period; a new period starts with a new window, so in-flight calls of an older period never disturb it.
 * Recording is lock-free and allocation-free.
 */
abstract sealed class SlidingWindow permits CountWindow, TimeWindow {

    final Thresholds thresholds;

    SlidingWindow(Thresholds thresholds) {
        this.thresholds = thresholds;
    }

    /** Records one call (see {@link Outcome}); answers the {@link Thresholds} flags exceeded right after it. */
    abstract int record(int outcome);

    /** The counts now. */
    abstract Counts counts();

    static SlidingWindow of(CircuitBreakerConfig config, Clock clock) {
        Thresholds thresholds = new Thresholds(config.minimumNumberOfCalls(), config.failureRateThreshold(),
                config.slowCallRateThreshold());
        return switch (config.slidingWindowType()) {
            case COUNT_BASED -> new CountWindow(config.slidingWindowSize(), thresholds);
            case TIME_BASED -> new TimeWindow(config.slidingWindowSize(), clock, thresholds);
        };
    }
}
