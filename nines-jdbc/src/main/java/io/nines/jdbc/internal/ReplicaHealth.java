package io.nines.jdbc.internal;

import java.time.Duration;

/**
 * The last lag measurement of one replica.
 *
 * @param healthy   lag known and within the bound
 * @param lag       measured lag, or {@code null} when unknown
 * @param detail    why unhealthy, or "ok"
 * @param checkedAt {@code Clock.nanoTime()} of the measurement
 */
record ReplicaHealth(boolean healthy, Duration lag, String detail, long checkedAt) {
}
