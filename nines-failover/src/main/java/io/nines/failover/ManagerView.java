package io.nines.failover;

/**
 * What one manager currently sees of the primary, published in the store (an ephemeral node per manager) so
 * that the leader can confirm a failure from other vantage points.
 *
 * @param managerId    the manager
 * @param zone         its zone
 * @param leader       whether it leads
 * @param epoch        topology epoch it works with
 * @param primary      the primary it probes
 * @param primaryReach its last probe of the primary
 * @param lastOkMillis wall-clock time of its last good probe of the primary (0: never)
 * @param updatedMillis wall-clock time of this view
 */
public record ManagerView(String managerId, String zone, boolean leader, long epoch, String primary, Reach primaryReach,
                          long lastOkMillis, long updatedMillis) {
}
