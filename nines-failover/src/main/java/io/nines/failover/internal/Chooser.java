package io.nines.failover.internal;

import io.nines.mariadb.Gtid;
import io.nines.mariadb.GtidPosition;
import io.nines.failover.FailoverConfig.Candidate;
import io.nines.failover.FailoverConfig.Lossless;
import io.nines.failover.FailoverConfig.Policy;
import io.nines.failover.NodeVariables;
import io.nines.failover.Reach;
import io.nines.failover.ReplicaStatus;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Chooses the replica to promote, or refuses with the reason. Pure: everything it needs is in its arguments.
 *
 * <ol>
 *   <li>Unreachable replicas, replicas with no replication, replicas whose replication was broken for longer
 *       than {@code maxReplicationBroken} before the primary failed, and {@code candidate: false} nodes are not
 *       candidates (each with its reason).</li>
 *   <li>Lossless: a semi-sync acknowledger that cannot be reached may hold acknowledged writes no reachable
 *       replica has; with {@code lossless: enforce} that refuses.</li>
 *   <li>The candidate must have received everything every other reachable replica received ({@code Gtid_IO_Pos}
 *       merged with {@code gtid_slave_pos}), so that nothing acknowledged is lost and the others can follow it.</li>
 *   <li>Among equally advanced candidates: {@code prefer} first, then the old primary's zone if its process died
 *       (clients keep their latency) or another zone if it timed out (its zone may be cut off), then the smallest
 *       apply lag, then the name.</li>
 *   <li>Errant transactions (GTIDs of the candidate's binlog state that neither the other replicas nor the old
 *       primary have, from a server other than the old primary) disqualify it; a less advanced replica is never
 *       taken instead: refusal.</li>
 *   <li>Stale: the candidate must have received what the primary had written {@code maxPromotionLag} before its
 *       last good probe.</li>
 * </ol>
 */
public final class Chooser {

    /** What the manager knows of a replica. */
    public record ReplicaFacts(String name, String zone, Candidate candidate, boolean reachable, String unreachableWhy,
                               NodeVariables vars, ReplicaStatus replica, long brokenSinceNanos, long brokenSinceMillis,
                               String brokenWhy, Long healthyLagSeconds, boolean acker) {
        /** Everything received from the primary: the IO position merged with what was applied. */
        public GtidPosition received() {
            GtidPosition applied = vars == null ? GtidPosition.EMPTY : vars.gtidSlavePos();
            return replica == null ? applied : replica.gtidIoPos().max(applied);
        }
    }

    /**
     * What the manager knows of the failed primary.
     *
     * @param reference       its binlog position {@code maxPromotionLag} before its last good probe (null: unknown)
     * @param referenceMillis when that position was read
     * @param lastBinlogState its binlog state at its last good probe (empty: unknown)
     */
    public record PrimaryFacts(String name, String zone, long serverId, Reach reach, GtidPosition reference,
                               long referenceMillis, GtidPosition lastBinlogState) {
    }

    public sealed interface Outcome permits Choice, Refusal {
        Map<String, String> excluded();
    }

    /**
     * @param candidate  the replica to promote
     * @param received   the position to wait for on it (MASTER_GTID_WAIT)
     * @param followers  replicas to re-point at it
     * @param quarantine replicas with errant transactions that cannot follow it, with the GTIDs
     * @param excluded   replicas that were not candidates, with why
     * @param warnings   what lossless mode {@code check} let pass
     */
    public record Choice(String candidate, GtidPosition received, List<String> followers, Map<String, String> quarantine,
                         Map<String, String> excluded, List<String> warnings) implements Outcome {
    }

    public record Refusal(String reason, Map<String, String> excluded) implements Outcome {
    }

    private Chooser() {
    }

    public static Outcome choose(PrimaryFacts p, List<ReplicaFacts> replicas, long suspectNanos, Policy policy) {
        Map<String, String> excluded = new LinkedHashMap<>();
        List<String> warnings = new ArrayList<>();
        List<ReplicaFacts> others = new ArrayList<>();
        List<ReplicaFacts> potential = new ArrayList<>();
        for (ReplicaFacts r : replicas) {
            if (!r.reachable()) {
                excluded.put(r.name(), "unreachable (" + r.unreachableWhy() + ")");
                continue;
            }
            if (r.replica() == null) {
                excluded.put(r.name(), "has no replication configured");
                continue;
            }
            others.add(r);
            if (r.brokenSinceNanos() >= 0 && suspectNanos - r.brokenSinceNanos() > policy.maxReplicationBroken().toNanos()) {
                excluded.put(r.name(), "replication broken since " + Instant.ofEpochMilli(r.brokenSinceMillis()) + " ("
                        + (suspectNanos - r.brokenSinceNanos()) / 1_000_000 + " ms before the primary failed, more than maxReplicationBroken "
                        + Durations.format(policy.maxReplicationBroken()) + "): " + r.brokenWhy()
                        + "; it may lack acknowledged writes");
                continue;
            }
            if (r.candidate() == Candidate.NO) {
                excluded.put(r.name(), "candidate: false");
                continue;
            }
            potential.add(r);
        }

        List<String> lostAckers = replicas.stream().filter(r -> !r.reachable() && r.acker()).map(ReplicaFacts::name).toList();
        if (!lostAckers.isEmpty()) {
            String msg = "semi-sync acknowledger(s) " + lostAckers + " unreachable: they may hold acknowledged writes"
                    + " that no reachable replica has";
            if (policy.lossless() == Lossless.ENFORCE) {
                return new Refusal(msg + " (lossless: enforce)", excluded);
            }
            warnings.add(msg);
        }
        if (potential.isEmpty()) {
            return new Refusal("no replica can be promoted: " + describe(excluded), excluded);
        }

        List<ReplicaFacts> top = potential.stream()
                .filter(c -> others.stream().allMatch(o -> c.received().reaches(o.received())))
                .collect(Collectors.toCollection(ArrayList::new));
        if (top.isEmpty()) {
            ReplicaFacts best = potential.stream().max(Comparator.comparingLong(r -> r.received().totalSeqNo())).orElseThrow();
            String ahead = others.stream().filter(o -> !best.received().reaches(o.received()))
                    .map(o -> o.name() + " received " + o.received() + (excluded.containsKey(o.name()) ? " (" + excluded.get(o.name()) + ")" : ""))
                    .collect(Collectors.joining("; "));
            String msg = "no candidate has every transaction the other replicas received (best candidate " + best.name()
                    + " at " + best.received() + "; " + ahead + ")";
            if (policy.lossless() == Lossless.ENFORCE) {
                return new Refusal(msg + ": promoting it would lose them (lossless: enforce)", excluded);
            }
            warnings.add(msg);
            top.add(best);
        }
        boolean dead = p.reach() == Reach.DEAD;
        top.sort(Comparator.<ReplicaFacts>comparingInt(r -> r.candidate() == Candidate.PREFER ? 0 : 1)
                .thenComparingInt(r -> r.zone().equals(p.zone()) == dead ? 0 : 1)
                .thenComparingLong(r -> r.healthyLagSeconds() == null ? Long.MAX_VALUE : r.healthyLagSeconds())
                .thenComparing(ReplicaFacts::name));

        ReplicaFacts chosen = null;
        Map<String, String> errantTop = new LinkedHashMap<>();
        for (ReplicaFacts c : top) {
            List<GtidPosition> refs = new ArrayList<>();
            others.stream().filter(o -> o != c).forEach(o -> refs.add(o.vars().gtidBinlogState()));
            refs.add(p.lastBinlogState());
            List<Gtid> errant = errant(c.vars().gtidBinlogState(), GtidPosition.unionOfStates(refs), p.serverId());
            if (errant.isEmpty()) {
                chosen = c;
                break;
            }
            String why = "errant transactions " + errant + ": in its binlog, on no other server (written on the replica"
                    + " itself, not received from the primary)";
            errantTop.put(c.name(), why);
            excluded.put(c.name(), why);
        }
        if (chosen == null) {
            return new Refusal("the most advanced replica" + (errantTop.size() > 1 ? "s " : " ") + errantTop.keySet()
                    + " cannot be promoted: " + String.join("; ", errantTop.values())
                    + "; promoting a less advanced one would lose transactions only " + (errantTop.size() > 1 ? "they" : "it")
                    + " received. Reconcile the errant transactions (or rebuild the replica) and fail over by hand",
                    excluded);
        }
        if (p.reference() != null && !chosen.received().reaches(p.reference())) {
            return new Refusal(chosen.name() + " is stale: it received up to " + chosen.received() + " but the primary "
                    + p.name() + " had written up to " + p.reference() + " at " + Instant.ofEpochMilli(p.referenceMillis())
                    + " (maxPromotionLag " + Durations.format(policy.maxPromotionLag()) + " before its last good probe)",
                    excluded);
        }
        List<String> followers = new ArrayList<>();
        Map<String, String> quarantine = new LinkedHashMap<>();
        for (ReplicaFacts o : others) {
            if (o == chosen) {
                continue;
            }
            List<Gtid> errant = errant(o.vars().gtidBinlogState(),
                    GtidPosition.unionOfStates(List.of(chosen.vars().gtidBinlogState(), p.lastBinlogState())), p.serverId());
            if (errant.isEmpty()) {
                followers.add(o.name());
            } else {
                quarantine.put(o.name(), "errant transactions " + errant + " that " + chosen.name()
                        + " does not have: it cannot replicate from it");
            }
        }
        return new Choice(chosen.name(), chosen.received(), followers, quarantine, excluded, warnings);
    }

    /** GTIDs of {@code state} not covered by {@code reference}, ignoring the old primary's own stream. */
    static List<Gtid> errant(GtidPosition state, GtidPosition reference, long primaryServerId) {
        return state.missingFrom(reference).stream().filter(g -> g.serverId() != primaryServerId).toList();
    }

    private static String describe(Map<String, String> excluded) {
        return excluded.isEmpty() ? "no replicas" : excluded.entrySet().stream()
                .map(e -> e.getKey() + ": " + e.getValue()).collect(Collectors.joining("; "));
    }
}
