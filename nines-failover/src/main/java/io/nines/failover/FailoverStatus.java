package io.nines.failover;

import io.nines.failover.internal.Admin;
import io.nines.topology.ClusterTopology;
import io.nines.topology.Endpoint;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What {@code nines failover status} shows: the published topology (epoch, roles, states), the managers (who
 * leads, what each sees), the last automatic failover, every node as probed right now (reachability, read-only,
 * replication, GTID positions, semi-sync), the lossless checks and the latest audit entries of every manager
 * (from the store). Read-only: collecting it changes nothing.
 *
 * @param cluster      cluster name
 * @param topology     the stored topology, empty if none yet
 * @param leader       the manager that leads, if any
 * @param managers     running managers' views
 * @param lastFailover the last automatic failover
 * @param nodes        a probe of every configured node, from this host (routes of the config's manager zone)
 * @param findings     lossless and safety findings on those probes
 * @param audit        the latest audit entries of every manager, oldest first
 * @param collectedAt  when
 * @param problems     what could not be read (e.g. the store unreachable)
 */
public record FailoverStatus(String cluster, Optional<ClusterTopology> topology, Optional<String> leader,
                             List<ManagerView> managers, Optional<FailoverRecord> lastFailover,
                             Map<String, NodeSample> nodes, List<Finding> findings, List<AuditEntry> audit,
                             Instant collectedAt, List<String> problems) {

    /** Collects the status; waits at most {@code timeout} for the store. */
    public static FailoverStatus collect(FailoverConfig config, int auditEntries, Duration timeout) {
        return Admin.status(config, auditEntries, timeout);
    }

    /** A plain-text report for a terminal. */
    public String render() {
        StringBuilder sb = new StringBuilder();
        sb.append("cluster ").append(cluster);
        topology.ifPresentOrElse(t -> sb.append("  epoch ").append(t.epoch()), () -> sb.append("  (no topology stored yet)"));
        sb.append("  leader ").append(leader.orElse("none")).append("  at ").append(collectedAt).append('\n');
        lastFailover.ifPresent(f -> sb.append("last failover: ").append(f.from()).append(" -> ").append(f.to())
                .append(" at epoch ").append(f.epoch()).append(", ").append(Instant.ofEpochMilli(f.timeMillis()))
                .append(", by ").append(f.manager()).append('\n'));
        sb.append('\n');
        String fmt = "%-10s %-8s %-8s %-11s %-8s %-4s %-40s %-24s %-5s %s%n";
        sb.append(String.format(fmt, "NODE", "ZONE", "ROLE", "STATE", "REACH", "RO", "REPLICATION", "GTID_CURRENT_POS", "LAG", "SEMI-SYNC"));
        for (Map.Entry<String, NodeSample> e : nodes.entrySet()) {
            NodeSample s = e.getValue();
            Endpoint ep = topology.flatMap(t -> t.endpoint(e.getKey())).orElse(null);
            NodeVariables v = s.variables();
            ReplicaStatus r = s.replica();
            String replication = r == null ? (s.ok() ? "-" : "?") : "from server " + r.masterServerId() + ": " + r.describe();
            String semi = v == null ? "?" : (v.semiSyncMasterEnabled() ? "master " + (v.semiSyncMasterStatus() ? "ON" : "fell back to async")
                    + ", " + v.semiSyncMasterClients() + " ackers" : "") + (r != null ? "ack " + (v.semiSyncSlaveStatus() ? "ON" : "OFF") : "");
            sb.append(String.format(fmt, e.getKey(), ep == null ? "?" : ep.zone(),
                    ep == null ? "?" : ep.role().name().toLowerCase(), ep == null ? "?" : ep.state().name().toLowerCase(),
                    s.reach(), v == null ? "?" : v.readOnly() ? "ON" : "OFF", abbreviate(replication, 40),
                    v == null ? "?" : abbreviate(v.gtidCurrentPos().toString(), 24),
                    r == null || r.secondsBehind() == null ? "-" : r.secondsBehind() + "s", semi.isEmpty() ? "-" : semi));
            if (!s.ok()) {
                sb.append("           ").append(abbreviate(s.error(), 110)).append('\n');
            }
        }
        sb.append("\nmanagers:\n");
        if (managers.isEmpty()) {
            sb.append("  none running\n");
        }
        for (ManagerView m : managers) {
            sb.append(String.format("  %-12s zone %-8s %-7s epoch %d, sees %s %s (last ok %s)%n", m.managerId(), m.zone(),
                    m.leader() ? "leader" : "", m.epoch(), m.primary(), m.primaryReach(),
                    m.lastOkMillis() == 0 ? "never" : Instant.ofEpochMilli(m.lastOkMillis())));
        }
        sb.append("\nlossless checks:\n");
        if (findings.isEmpty()) {
            sb.append("  all as required (GTID strict mode, log_slave_updates, AFTER_SYNC, semi-sync timeout, acknowledgers)\n");
        }
        for (Finding f : findings) {
            sb.append("  ").append(f).append('\n');
        }
        sb.append("\nrecent audit:\n");
        if (audit.isEmpty()) {
            sb.append("  none\n");
        }
        for (AuditEntry a : audit) {
            sb.append("  ").append(a.time()).append(' ').append(a.step()).append(" [").append(a.manager()).append("] ")
                    .append(a.message()).append('\n');
        }
        for (String p : problems) {
            sb.append("\nproblem: ").append(p).append('\n');
        }
        return sb.toString();
    }

    private static String abbreviate(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max - 3) + "...";
    }
}
