package io.nines.failover.internal;

import io.nines.failover.ManagerView;
import io.nines.failover.ReplicaStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Confirms a suspected primary failure from vantage points other than this manager: its replicas (is their IO
 * thread connected, and did anything arrive from the primary after this manager's first failed probe?) and the
 * other managers (their published views). One manager's own network trouble must never cause a failover:
 * any vantage point that shows the primary alive vetoes it.
 */
public final class Confirmation {

    public enum Kind {
        /** Some vantage point shows the primary alive: no failover. */
        ALIVE,
        /** Every vantage point that can tell sees it down, and enough of them: fail over. */
        DOWN,
        /** Some vantage point cannot tell yet (e.g. connected but silent for less than the silence bound). */
        WAIT,
        /** Too few vantage points can tell: no failover. */
        UNCONFIRMED
    }

    /** One vantage point's answer; {@code kind} null: it cannot tell (unreachable, not replicating, ...). */
    public record Vote(String who, Kind kind, String why) {
        @Override
        public String toString() {
            return who + ": " + why;
        }
    }

    public record Verdict(Kind kind, List<Vote> votes) {
        public List<Vote> of(Kind k) {
            return votes.stream().filter(v -> v.kind() == k).toList();
        }

        /** The votes that decided, in a sentence. */
        public String summary() {
            List<Vote> deciding = switch (kind) {
                case ALIVE -> of(Kind.ALIVE);
                case WAIT -> of(Kind.WAIT);
                case DOWN -> of(Kind.DOWN);
                case UNCONFIRMED -> votes;
            };
            return deciding.isEmpty() ? "no vantage point can tell" : deciding.stream().map(Vote::toString).collect(Collectors.joining("; "));
        }
    }

    /**
     * A replica's evidence, from its history.
     *
     * @param frozen whether this manager stopped its IO thread itself (the freeze before a promotion): it saw the
     *               primary down before that, and cannot testify either way since
     */
    public record ReplicaEvidence(String name, boolean reachable, String unreachableWhy, ReplicaStatus replica,
                                  long progressAfterNanos, long progressSeenNanos, boolean frozen) {
        public ReplicaEvidence(String name, boolean reachable, String unreachableWhy, ReplicaStatus replica,
                               long progressAfterNanos, long progressSeenNanos) {
            this(name, reachable, unreachableWhy, replica, progressAfterNanos, progressSeenNanos, false);
        }
    }

    /**
     * Events a replica reads just after the primary died were sent before it died (a relay or a kernel buffer
     * holds them for a moment): progress counts as a sign of life only this long after the first failed probe.
     */
    static final long IN_FLIGHT_NANOS = 100_000_000L;

    private Confirmation() {
    }

    /**
     * @param suspectNanos     when the first failed probe of the primary failed
     * @param suspectMillis    its wall-clock time
     * @param primaryServerId  the primary's server id (-1 unknown)
     * @param self             this manager's id (its own view is not a vote)
     * @param viewFreshness    a view older than this is ignored
     * @param minConfirmations DOWN votes needed
     */
    public static Verdict evaluate(long suspectNanos, long suspectMillis, long nowNanos, long nowMillis, String primary,
                                   long primaryServerId, List<ReplicaEvidence> replicas, List<ManagerView> views,
                                   String self, Duration replicaSilence, Duration viewFreshness, int minConfirmations) {
        List<Vote> votes = new ArrayList<>();
        for (ReplicaEvidence r : replicas) {
            votes.add(replicaVote(r, suspectNanos, nowNanos, primaryServerId, replicaSilence));
        }
        for (ManagerView v : views) {
            if (v.managerId().equals(self)) {
                continue;
            }
            String who = "manager " + v.managerId();
            if (nowMillis - v.updatedMillis() > viewFreshness.toMillis()) {
                votes.add(new Vote(who, null, "view is stale (" + (nowMillis - v.updatedMillis()) + " ms old)"));
            } else if (!primary.equals(v.primary())) {
                votes.add(new Vote(who, null, "probes " + v.primary() + ", not " + primary));
            } else if (v.primaryReach() != null && v.primaryReach().alive() && v.lastOkMillis() >= suspectMillis) {
                votes.add(new Vote(who, Kind.ALIVE, "reached " + primary + " at " + java.time.Instant.ofEpochMilli(v.lastOkMillis())
                        + ", after this manager's first failed probe"));
            } else if (v.primaryReach() != null && !v.primaryReach().alive()) {
                votes.add(new Vote(who, Kind.DOWN, "cannot reach " + primary + " either (" + v.primaryReach() + ")"));
            } else {
                votes.add(new Vote(who, Kind.WAIT, "has not probed " + primary + " since this manager's first failed probe"));
            }
        }
        boolean alive = votes.stream().anyMatch(v -> v.kind() == Kind.ALIVE);
        boolean wait = votes.stream().anyMatch(v -> v.kind() == Kind.WAIT);
        long down = votes.stream().filter(v -> v.kind() == Kind.DOWN).count();
        Kind k = alive ? Kind.ALIVE : wait ? Kind.WAIT : down >= minConfirmations ? Kind.DOWN : Kind.UNCONFIRMED;
        return new Verdict(k, List.copyOf(votes));
    }

    static Vote replicaVote(ReplicaEvidence r, long suspectNanos, long nowNanos, long primaryServerId, Duration silence) {
        String who = "replica " + r.name();
        if (!r.reachable()) {
            return new Vote(who, null, "unreachable from this manager (" + r.unreachableWhy() + ")");
        }
        ReplicaStatus s = r.replica();
        if (s == null) {
            return new Vote(who, null, "does not replicate");
        }
        if (primaryServerId >= 0 && s.masterServerId() != 0 && s.masterServerId() != primaryServerId) {
            return new Vote(who, null, "replicates from server_id " + s.masterServerId());
        }
        if (!s.ioYes()) {
            if (r.frozen()) {
                return new Vote(who, Kind.DOWN, "lost the primary, then its IO thread was stopped by this manager (freeze)");
            }
            if ("No".equalsIgnoreCase(s.ioRunning()) && s.lastIoErrno() == 0) {
                return new Vote(who, null, "IO thread stopped by hand: tells nothing");
            }
            return new Vote(who, Kind.DOWN, "lost the primary too: " + s.describe());
        }
        if (r.progressAfterNanos() != Long.MIN_VALUE && r.progressAfterNanos() >= suspectNanos + IN_FLIGHT_NANOS) {
            return new Vote(who, Kind.ALIVE, "IO thread connected and still receiving events/heartbeats from the primary"
                    + " after this manager's first failed probe");
        }
        if (r.progressSeenNanos() != Long.MIN_VALUE) {
            long quietNanos = Math.max(0, nowNanos - r.progressSeenNanos());
            if (quietNanos > silence.toNanos()) {
                return new Vote(who, Kind.DOWN, "IO thread says connected but nothing arrived for "
                        + quietNanos / 1_000_000 + " ms (heartbeats stopped; silence bound " + Durations.format(silence) + ")");
            }
            return new Vote(who, Kind.WAIT, "connected, nothing arrived for " + quietNanos / 1_000_000
                    + " ms yet (silence bound " + Durations.format(silence) + ")");
        }
        return new Vote(who, Kind.WAIT, "connected, no progress observed yet");
    }
}
