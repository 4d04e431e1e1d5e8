package io.nines.failover;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One step of a decision, as written to the audit log (one JSON object per line).
 *
 * @param timeMillis wall-clock time, milliseconds since the epoch
 * @param time       the same as ISO-8601 UTC, for people
 * @param cluster    cluster name
 * @param manager    the manager that took the step
 * @param step       what happened, one of {@link Step}'s ids (e.g. {@code confirm.alive}); kept as text so that
 *                   logs of other versions still read
 * @param message    why, in a sentence
 * @param details    facts behind it (node states, positions, timings), in a stable order
 */
public record AuditEntry(long timeMillis, String time, String cluster, String manager, String step, String message,
                         Map<String, String> details) {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The steps a manager records. */
    public enum Step {
        MANAGER_START("manager.start"), MANAGER_STOP("manager.stop"),
        LEADER_GAINED("leader.gained"), LEADER_LOST("leader.lost"),
        TOPOLOGY_CREATED("topology.created"), TOPOLOGY_CHANGED("topology.changed"),
        PROBE_FAILED("probe.failed"), PROBE_RECOVERED("probe.recovered"), SUSPECT("suspect"),
        NOT_LEADER("not-leader"), CONFIRM_ALIVE("confirm.alive"), CONFIRM_WAIT("confirm.wait"),
        CONFIRM_DOWN("confirm.down"), UNCONFIRMED("unconfirmed"), LEASE_WAIT("lease.wait"),
        REFUSED("refused"), FREEZE("freeze"), UNFREEZE("unfreeze"), CHOSEN("chosen"), CATCH_UP("catch-up"),
        FENCE("fence"), PROMOTE("promote"), REPOINT("repoint"), PUBLISH("publish"), OPEN("open"),
        FAILOVER_DONE("failover.done"), FAILOVER_ABORTED("failover.aborted"),
        SWITCHOVER_START("switchover.start"), SWITCHOVER_DONE("switchover.done"),
        SWITCHOVER_FAILED("switchover.failed"), DEMOTE("demote"),
        REJOIN("rejoin"), QUARANTINE("quarantine"), RECONCILE("reconcile"),
        LOSSLESS_OK("lossless.ok"), LOSSLESS_WARN("lossless.warn"), LOSSLESS_ENFORCE("lossless.enforce"),
        ERROR("error");

        private final String id;

        Step(String id) {
            this.id = id;
        }

        public String id() {
            return id;
        }
    }

    public AuditEntry {
        details = details == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(details));
    }

    public static AuditEntry of(long timeMillis, String cluster, String manager, Step step, String message,
                                Map<String, String> details) {
        return new AuditEntry(timeMillis, Instant.ofEpochMilli(timeMillis).toString(), cluster, manager, step.id(),
                message, details);
    }

    public boolean is(Step s) {
        return step.equals(s.id());
    }

    /** One line of JSON: {@code {"ts":..,"time":"..","cluster":..,"manager":..,"step":..,"message":..,"details":{..}}}. */
    public String toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("ts", timeMillis);
        m.put("time", time);
        m.put("cluster", cluster);
        m.put("manager", manager);
        m.put("step", step);
        m.put("message", message);
        m.put("details", details);
        try {
            return JSON.writeValueAsString(m);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Reads a line written by {@link #toJson()}. */
    @SuppressWarnings("unchecked")
    public static AuditEntry fromJson(String line) {
        try {
            Map<String, Object> m = JSON.readValue(line, Map.class);
            Map<String, String> details = new LinkedHashMap<>();
            Object d = m.get("details");
            if (d instanceof Map<?, ?> dm) {
                dm.forEach((k, v) -> details.put(String.valueOf(k), String.valueOf(v)));
            }
            long ts = ((Number) m.get("ts")).longValue();
            return new AuditEntry(ts, String.valueOf(m.getOrDefault("time", Instant.ofEpochMilli(ts).toString())),
                    String.valueOf(m.get("cluster")), String.valueOf(m.get("manager")), String.valueOf(m.get("step")),
                    String.valueOf(m.get("message")), details);
        } catch (JsonProcessingException | RuntimeException e) {
            throw new IllegalArgumentException("not an audit entry: " + line, e);
        }
    }

    /** {@code 2026-01-02T03:04:05.678Z step [manager] message}. */
    @Override
    public String toString() {
        return time + " " + step + " [" + manager + "] " + message + (details.isEmpty() ? "" : " " + details);
    }
}
