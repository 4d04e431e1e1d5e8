package io.nines.failover.internal;

import io.nines.failover.FailoverConfig;
import io.nines.failover.FailoverConfig.Ackers;
import io.nines.failover.FailoverConfig.Lossless;
import io.nines.failover.Finding;
import io.nines.failover.Finding.Severity;
import io.nines.failover.NodeSample;
import io.nines.failover.NodeVariables;
import io.nines.failover.ReplicaStatus;
import io.nines.topology.ClusterTopology;
import io.nines.topology.Endpoint;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Checks the settings that make a failover lossless and a cut-off primary harmless (DESIGN §5.7, §6), from the
 * nodes' last probes. Pure. Findings come in the order fixes must run (acknowledgers outside the primary's zone
 * are switched on before same-zone ones are switched off).
 */
public final class LosslessCheck {

    private LosslessCheck() {
    }

    /** Some replica replicates from the primary with acknowledgement on (its IO thread connected). */
    private static boolean ackerConnected(ClusterTopology topology, Endpoint primary, Map<String, NodeSample> samples) {
        for (Endpoint r : topology.replicas()) {
            NodeSample s = samples.get(r.id());
            if (r.state() != Endpoint.State.QUARANTINED && s != null && s.ok() && s.variables().semiSyncSlaveEnabled()
                    && s.replica() != null && s.replica().ioYes()) {
                return true;
            }
        }
        return false;
    }

    public static List<Finding> check(ClusterTopology topology, Map<String, NodeSample> samples, FailoverConfig config) {
        List<Finding> out = new ArrayList<>();
        List<Finding> ackOff = new ArrayList<>();
        FailoverConfig.Policy policy = config.failover();
        long timeoutMs = policy.semiSyncTimeout().toMillis();
        Endpoint primary = topology.primary().orElse(null);
        for (Endpoint e : topology.endpoints()) {
            NodeSample s = samples.get(e.id());
            if (s == null || !s.ok() || e.state() == Endpoint.State.QUARANTINED) {
                continue;
            }
            NodeVariables v = s.variables();
            String n = e.id();
            if (!v.logBin()) {
                out.add(new Finding(n + "/log_bin", Severity.ERROR, n, "log_bin is OFF: it cannot serve as a primary"
                        + " or be checked for errant transactions (static: restart with --log-bin)", List.of(), true));
            }
            if (!v.logSlaveUpdates()) {
                out.add(new Finding(n + "/log_slave_updates", Severity.ERROR, n, "log_slave_updates is OFF: its binlog"
                        + " lacks replicated transactions, so replicas cannot follow it after a promotion and errant-GTID"
                        + " checks are blind (static: restart with --log-slave-updates)", List.of(), true));
            }
            if (!v.gtidStrictMode()) {
                out.add(new Finding(n + "/gtid_strict_mode", Severity.ERROR, n, "gtid_strict_mode is OFF: diverging"
                        + " histories would go unnoticed", List.of("SET GLOBAL gtid_strict_mode=ON"), true));
            }
            if (!"AFTER_SYNC".equalsIgnoreCase(v.semiSyncWaitPoint())) {
                out.add(new Finding(n + "/wait_point", Severity.ERROR, n, "rpl_semi_sync_master_wait_point is "
                        + v.semiSyncWaitPoint() + ": with AFTER_COMMIT other sessions see (and a crash may lose) a commit"
                        + " no replica has", List.of("SET GLOBAL rpl_semi_sync_master_wait_point=AFTER_SYNC"), true));
            }
            if (v.semiSyncTimeoutMillis() < timeoutMs) {
                out.add(new Finding(n + "/semi_sync_timeout", Severity.ERROR, n, "rpl_semi_sync_master_timeout is "
                        + v.semiSyncTimeoutMillis() + " ms, shorter than " + timeoutMs + " ms: an isolated primary falls back"
                        + " to async before its clients fenced themselves and acknowledges writes no replica has",
                        List.of("SET GLOBAL rpl_semi_sync_master_timeout=" + timeoutMs), true));
            }
            if (e.role() == Endpoint.Role.REPLICA && !e.isFenced() && !v.readOnly()) {
                out.add(new Finding(n + "/read_only", Severity.ERROR, n, "a replica with read_only=OFF: writes there"
                        + " would diverge from the primary", List.of("SET GLOBAL read_only=ON"), false));
            }
        }
        if (primary == null) {
            return out;
        }
        NodeSample ps = samples.get(primary.id());
        if (ps != null && ps.ok() && config.failover().lossless() != Lossless.OFF) {
            NodeVariables v = ps.variables();
            if (!v.semiSyncMasterEnabled() && !ackerConnected(topology, primary, samples)) {
                out.add(new Finding(primary.id() + "/semi_sync_alone", Severity.WARN, primary.id(),
                        "no replica is connected to acknowledge commits: semi-sync stays off (commits run async) until"
                                + " one is", List.of(), true));
            } else if (!v.semiSyncMasterEnabled()) {
                out.add(new Finding(primary.id() + "/semi_sync_master", Severity.ERROR, primary.id(),
                        "rpl_semi_sync_master_enabled is OFF on the primary: commits are acknowledged before any replica"
                                + " has them", Sql.semiSyncMaster(true, policy.semiSyncTimeout()), true));
            } else if (!v.semiSyncWaitNoSlave()) {
                out.add(new Finding(primary.id() + "/semi_sync_wait_no_slave", Severity.ERROR, primary.id(),
                        "rpl_semi_sync_master_wait_no_slave is OFF: when its acknowledging replicas disconnect, the"
                                + " primary acknowledges commits alone at once instead of waiting out the timeout",
                        List.of(Sql.waitNoSlave(true)), true));
            } else if (!v.semiSyncMasterStatus()) {
                out.add(new Finding(primary.id() + "/semi_sync_status", Severity.WARN, primary.id(),
                        "semi-sync fell back to async (no acknowledging replica answered within the timeout): commits are"
                                + " acknowledged without a replica until one reconnects", List.of(), true));
            }
        }
        // Acknowledgers and zones.
        List<Endpoint> replicas = topology.replicas();
        List<Endpoint> healthyOther = new ArrayList<>();
        for (Endpoint r : replicas) {
            NodeSample s = samples.get(r.id());
            if (s != null && s.ok() && s.replica() != null && s.replica().healthy() && !r.zone().equals(primary.zone())) {
                healthyOther.add(r);
            }
        }
        boolean otherZones = policy.semiSyncAckers() == Ackers.OTHER_ZONES && !healthyOther.isEmpty();
        if (policy.semiSyncAckers() == Ackers.OTHER_ZONES && healthyOther.isEmpty() && !replicas.isEmpty()) {
            out.add(new Finding("cluster/ackers_other_zone", Severity.WARN, "", "no healthy replica outside the primary's"
                    + " zone " + primary.zone() + ": same-zone replicas keep acknowledging, so an isolated zone "
                    + primary.zone() + " keeps acknowledging writes", List.of(), true));
        }
        boolean anyAckerOutside = false;
        List<String> sameZoneAckers = new ArrayList<>();
        for (Endpoint r : replicas) {
            NodeSample s = samples.get(r.id());
            if (s == null || !s.ok()) {
                continue;
            }
            NodeVariables v = s.variables();
            boolean sameZone = r.zone().equals(primary.zone());
            boolean wanted = !otherZones || !sameZone;
            if (config.failover().lossless() != Lossless.OFF && v.semiSyncSlaveEnabled() != wanted
                    && s.replica() != null) {
                Finding f = new Finding(r.id() + "/semi_sync_slave", Severity.WARN, r.id(), wanted
                        ? "rpl_semi_sync_slave_enabled is OFF: it does not acknowledge commits"
                        : "acknowledges commits from the primary's own zone " + primary.zone()
                                + ": if that zone is cut off, the primary keeps acknowledging with this replica alone",
                        Sql.ackers(wanted), true);
                (wanted ? out : ackOff).add(f);
            }
            if (v.semiSyncSlaveEnabled()) {
                if (sameZone) {
                    sameZoneAckers.add(r.id());
                } else if (s.replica() != null && s.replica().ioYes()) {
                    anyAckerOutside = true;
                }
            }
            ReplicaStatus rs = s.replica();
            if (rs != null && rs.healthy()
                    && rs.heartbeatPeriod() * 1000 > config.detection().heartbeatPeriod().toMillis() + 1) {
                out.add(new Finding(r.id() + "/heartbeat", Severity.WARN, r.id(), "MASTER_HEARTBEAT_PERIOD is "
                        + rs.heartbeatPeriod() + " s: an idle primary shows it is alive too rarely for a quick confirmation",
                        Sql.heartbeat(config.detection().heartbeatPeriod()), false));
            }
        }
        if (policy.semiSyncAckers() == Ackers.ANY && !sameZoneAckers.isEmpty()) {
            out.add(new Finding("cluster/ackers_same_zone", Severity.WARN, "", "replicas " + sameZoneAckers
                    + " in the primary's zone " + primary.zone() + " acknowledge commits: an isolated zone keeps"
                    + " acknowledging writes that a failover elsewhere loses (semiSyncAckers: other-zones prevents it)",
                    List.of(), true));
        }
        if (!replicas.isEmpty() && !anyAckerOutside && config.failover().lossless() != Lossless.OFF) {
            out.add(new Finding("cluster/no_acker_outside", Severity.WARN, "", "no replica outside zone " + primary.zone()
                    + " acknowledges commits right now", List.of(), true));
        }
        out.addAll(ackOff);
        return out;
    }
}
