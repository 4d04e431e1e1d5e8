package io.nines.failover;

import java.util.List;

/**
 * A lossless or safety setting that is not as it should be, found by the manager's checks.
 *
 * @param key      stable identity (node + setting), to report each finding once
 * @param severity how bad
 * @param node     the node, or empty for a cluster-wide finding
 * @param message  what is wrong and what it risks
 * @param fix      statements that fix it on the node (empty: cannot be fixed at run time)
 * @param lossless whether it belongs to lossless mode (fixed only with {@code lossless: enforce}); safety
 *                 findings (a writable replica, a slow heartbeat) are fixed in every mode
 */
public record Finding(String key, Severity severity, String node, String message, List<String> fix, boolean lossless) {

    public enum Severity {
        /** Lossless or fencing is not guaranteed. */
        ERROR,
        /** A risk to know about. */
        WARN
    }

    public Finding {
        fix = fix == null ? List.of() : List.copyOf(fix);
    }

    public boolean fixable() {
        return !fix.isEmpty();
    }

    @Override
    public String toString() {
        return severity + " " + (node.isEmpty() ? "" : node + ": ") + message;
    }
}
