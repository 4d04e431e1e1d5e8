package io.nines.jdbc;

import java.sql.SQLTransientConnectionException;

/**
 * The cluster has no writable primary right now, or this connection's primary was replaced or fenced by a newer
 * topology epoch: a failover is under way. Retryable: a new connection reaches the new primary as soon as it is
 * published (nines-core's {@code RetryClassifier} retries {@link java.sql.SQLTransientException}s). SQLStates are in
 * class {@code 08} (connection exception) with implementation-defined subclasses, so generic code that knows class
 * 08 treats them as connection trouble:
 *
 * <table>
 *   <caption>SQLStates</caption>
 *   <tr><th>SQLState</th><th>{@link Reason}</th><th>what was sent</th></tr>
 *   <tr><td>{@value #NO_PRIMARY_STATE}</td><td>{@link Reason#NO_PRIMARY}</td>
 *       <td>nothing: no writable primary is known (none published, being replaced, or no topology yet)</td></tr>
 *   <tr><td>{@value #REVOKED_STATE}</td><td>{@link Reason#REVOKED}</td>
 *       <td>not this statement or commit: the connection's endpoint stopped being the primary (or was fenced) before
 *       it was sent. An open transaction on it is rolled back by the server when the connection is closed.</td></tr>
 *   <tr><td>{@value #ABORTED_STATE}</td><td>{@link Reason#ABORTED}</td>
 *       <td>unknown: the statement or commit was in flight when the connection was aborted because its endpoint was
 *       fenced. A commit may or may not have happened on the old primary: retry only with an idempotency key.</td></tr>
 * </table>
 */
public final class FailoverInProgressException extends SQLTransientConnectionException {

    private static final long serialVersionUID = 1L;

    /** No writable primary known: nothing sent. */
    public static final String NO_PRIMARY_STATE = "08N01";
    /** The connection was revoked by a newer epoch before the statement or commit was sent. */
    public static final String REVOKED_STATE = "08N02";
    /** The connection was aborted by a newer epoch while a statement or commit was in flight. */
    public static final String ABORTED_STATE = "08N03";

    /** What happened; see the class comment. */
    public enum Reason {
        NO_PRIMARY(NO_PRIMARY_STATE),
        REVOKED(REVOKED_STATE),
        ABORTED(ABORTED_STATE);

        private final String sqlState;

        Reason(String sqlState) {
            this.sqlState = sqlState;
        }

        public String sqlState() {
            return sqlState;
        }
    }

    private final Reason reason;
    private final String cluster;
    private final long epoch;
    private final String endpoint;

    public FailoverInProgressException(Reason reason, String cluster, long epoch, String endpoint, String message,
                                       Throwable cause) {
        super(message, reason.sqlState(), 0, cause);
        this.reason = reason;
        this.cluster = cluster;
        this.epoch = epoch;
        this.endpoint = endpoint;
    }

    public Reason reason() {
        return reason;
    }

    public String cluster() {
        return cluster;
    }

    /** The topology epoch this client was at when it refused (-1 before any topology). */
    public long epoch() {
        return epoch;
    }

    /** The endpoint id of the revoked connection, or {@code null} for {@link Reason#NO_PRIMARY}. */
    public String endpoint() {
        return endpoint;
    }

    /** Whether nothing of the failed call reached a server ({@link Reason#NO_PRIMARY}, {@link Reason#REVOKED}). */
    public boolean isUnsent() {
        return reason != Reason.ABORTED;
    }
}
