package io.nines.failover;

/**
 * The last automatic failover of a cluster, kept in the store so that every manager (a new leader too)
 * respects the anti-flapping window.
 *
 * @param epoch      the epoch it published
 * @param timeMillis when it was published
 * @param from       old primary
 * @param to         new primary
 * @param manager    who did it
 */
public record FailoverRecord(long epoch, long timeMillis, String from, String to, String manager) {
}
