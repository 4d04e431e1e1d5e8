package io.nines.proxy.cluster;

import io.nines.core.InvalidConfigException;
import java.time.Duration;

/**
 * Active health checking of a cluster's endpoints (TCP connect), HAProxy's way: an endpoint is marked down after
 * {@code fall} failed checks in a row and up again after {@code rise} good ones.
 *
 * @param interval between two checks of an endpoint
 * @param timeout  a connect that takes longer fails
 * @param rise     good checks in a row to come back
 * @param fall     failed checks in a row to be taken out
 */
public record HealthCheck(Duration interval, Duration timeout, int rise, int fall) {

    public HealthCheck {
        if (interval == null || interval.isNegative() || interval.isZero()) {
            throw new InvalidConfigException("healthCheck", "interval", "must be > 0, was " + interval);
        }
        if (timeout == null || timeout.isNegative() || timeout.isZero()) {
            throw new InvalidConfigException("healthCheck", "timeout", "must be > 0, was " + timeout);
        }
        if (rise < 1) {
            throw new InvalidConfigException("healthCheck", "rise", "must be >= 1, was " + rise);
        }
        if (fall < 1) {
            throw new InvalidConfigException("healthCheck", "fall", "must be >= 1, was " + fall);
        }
    }

    /** Every 1 s, 500 ms timeout, up after 2, down after 3 (HAProxy's rise/fall defaults). */
    public static HealthCheck defaults() {
        return new HealthCheck(Duration.ofSeconds(1), Duration.ofMillis(500), 2, 3);
    }
}
