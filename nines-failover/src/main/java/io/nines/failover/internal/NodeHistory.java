package io.nines.failover.internal;

import io.nines.mariadb.GtidPosition;
import io.nines.failover.NodeSample;
import io.nines.failover.Reach;
import io.nines.failover.ReplicaStatus;
import java.util.ArrayDeque;
import java.util.Iterator;

/**
 * What the manager remembers of one node across probe rounds: the last sample, the run of failures, when its
 * replication last showed progress and since when it has been broken, and a short history of its binlog
 * position while it answered (the staleness reference if it is the primary). Confined to the manager thread.
 */
public final class NodeHistory {

    /** A good probe's position, kept for the staleness reference. */
    public record Position(long nanoTime, long timeMillis, GtidPosition binlogPos, GtidPosition binlogState) {
    }

    private final String name;
    private final long keepNanos;
    private NodeSample last;
    private NodeSample lastOk;
    private int misses;
    private long firstFailNanos = -1;
    private long firstFailMillis;
    private Reach lastFailure;
    private long serverId = -1;
    private String progress;
    private long progressAfterNanos = Long.MIN_VALUE; // lower bound of when the last progress happened
    private long progressSeenNanos = Long.MIN_VALUE;  // upper bound (the round that first showed it)
    private long progressSeenMillis;
    private long brokenSinceNanos = -1;
    private long brokenSinceMillis;
    private String brokenWhy = "";
    private Long healthyLagSeconds;
    private boolean semiSyncAcker;
    private final ArrayDeque<Position> positions = new ArrayDeque<>();

    public NodeHistory(String name, long keepNanos) {
        this.name = name;
        this.keepNanos = keepNanos;
    }

    /**
     * Takes in a probe.
     *
     * @param primaryServerId the server id of the node this one should replicate from, or -1 (it is the
     *                        primary, or that is unknown)
     * @param shouldReplicate whether the topology wants it to replicate (a replica)
     */
    public void update(NodeSample s, long primaryServerId, boolean shouldReplicate) {
        NodeSample previousOk = lastOk;
        last = s;
        if (!s.reach().alive()) {
            if (misses == 0) {
                firstFailNanos = s.endNanos(); // when the failure was known
                firstFailMillis = s.timeMillis();
            }
            misses++;
            lastFailure = s.reach();
            return;
        }
        if (!s.ok()) {
            return; // answered with an error: alive, nothing learned
        }
        misses = 0;
        firstFailNanos = -1;
        lastOk = s;
        serverId = s.variables().serverId();
        positions.addLast(new Position(s.startNanos(), s.timeMillis(), s.variables().gtidBinlogPos(),
                s.variables().gtidBinlogState()));
        while (positions.size() > 2 && s.startNanos() - positions.peekFirst().nanoTime() > keepNanos) {
            positions.removeFirst();
        }
        ReplicaStatus r = s.replica();
        if (r != null) {
            String p = r.progress();
            if (!p.equals(progress)) {
                // It changed after the last probe that showed the old value.
                progressAfterNanos = previousOk == null || progress == null ? Long.MIN_VALUE : previousOk.startNanos();
                progressSeenNanos = s.endNanos();
                progressSeenMillis = s.timeMillis();
                progress = p;
            }
            semiSyncAcker = s.variables().semiSyncSlaveStatus() && r.ioYes();
        } else {
            progress = null;
            semiSyncAcker = false;
        }
        String why = null;
        if (shouldReplicate) {
            if (r == null) {
                why = "no replication configured";
            } else if (!r.healthy()) {
                why = r.describe();
            } else if (primaryServerId >= 0 && r.masterServerId() != primaryServerId) {
                why = "replicates from server_id " + r.masterServerId() + ", not the primary's " + primaryServerId;
            }
        }
        if (why == null) {
            brokenSinceNanos = -1;
            brokenWhy = "";
            if (r != null) {
                healthyLagSeconds = r.secondsBehind();
            }
        } else {
            if (brokenSinceNanos < 0) {
                brokenSinceNanos = s.startNanos();
                brokenSinceMillis = s.timeMillis();
            }
            brokenWhy = why;
        }
    }

    public String name() {
        return name;
    }

    public NodeSample last() {
        return last;
    }

    public NodeSample lastOk() {
        return lastOk;
    }

    /** Failed probes in a row (refused, reset or timed out; an error answer does not count). */
    public int misses() {
        return misses;
    }

    public long firstFailNanos() {
        return firstFailNanos;
    }

    public long firstFailMillis() {
        return firstFailMillis;
    }

    public Reach lastFailure() {
        return lastFailure;
    }

    /** Whether the last probe answered. */
    public boolean reachable() {
        return last != null && last.ok();
    }

    public long serverId() {
        return serverId;
    }

    /** Time after which the last replication progress certainly happened: the start of the probe before (MIN_VALUE: unknown). */
    public long progressAfterNanos() {
        return progressAfterNanos;
    }

    /** End of the probe that first showed the last progress: it happened before this. */
    public long progressSeenNanos() {
        return progressSeenNanos;
    }

    public long progressSeenMillis() {
        return progressSeenMillis;
    }

    /** Since when its replication has been broken (-1: healthy or not a replica). */
    public long brokenSinceNanos() {
        return brokenSinceNanos;
    }

    public long brokenSinceMillis() {
        return brokenSinceMillis;
    }

    public String brokenWhy() {
        return brokenWhy;
    }

    /** {@code Seconds_Behind_Master} of its last healthy probe. */
    public Long healthyLagSeconds() {
        return healthyLagSeconds;
    }

    /** Whether its last good probe showed it acknowledging semi-sync commits. */
    public boolean semiSyncAcker() {
        return semiSyncAcker;
    }

    /** The newest recorded position taken at or before {@code nanoTime}, if any. */
    public Position positionAtOrBefore(long nanoTime) {
        Position best = null;
        for (Iterator<Position> it = positions.iterator(); it.hasNext(); ) {
            Position p = it.next();
            if (p.nanoTime() <= nanoTime) {
                best = p;
            }
        }
        return best;
    }

    /** Forgets the failure run (after a failover, the node's role changed). */
    public void resetFailures() {
        misses = 0;
        firstFailNanos = -1;
    }
}
