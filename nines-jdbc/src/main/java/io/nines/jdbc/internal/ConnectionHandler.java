package io.nines.jdbc.internal;

import io.nines.jdbc.FailoverInProgressException;
import io.nines.jdbc.IslandFencedSQLException;
import io.nines.jdbc.NinesConnection;
import io.nines.topology.Endpoint;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.CallableStatement;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.Executor;

/**
 * The connection handed to the application: a proxy over HikariCP's connection that knows its epoch, endpoint and
 * purpose. It refuses every call once revoked (a newer epoch took its endpoint away), and for a guarded connection
 * asks the island guard before every statement, commit and implicit commit ({@code setAutoCommit(true)} inside a
 * transaction), rolling back an open transaction it refuses. A dynamic proxy: JDBC interfaces grow with each JDK, and
 * every method not listed here passes through unchanged.
 */
final class ConnectionHandler implements InvocationHandler, NinesConnection {

    /** Aborts run on their own threads: {@code Connection.abort} must not wait for a stuck statement. */
    static final Executor ABORTER = r -> Thread.ofVirtual().name("nines-jdbc-abort").start(r);

    private static final Class<?>[] INTERFACES = {Connection.class, NinesConnection.class};

    private final ClusterRouter router;
    private final EndpointPool pool;
    private final long epoch;
    private final Purpose purpose;
    private final Connection physical;
    private final Connection proxy;
    private volatile String revokedBecause;
    /** Revoked because an island was declared (see {@link #abortForIsland}), set before {@link #revokedBecause}. */
    private volatile boolean islandAborted;
    private volatile boolean closed;

    ConnectionHandler(ClusterRouter router, EndpointPool pool, long epoch, Purpose purpose, Connection physical) {
        this.router = router;
        this.pool = pool;
        this.epoch = epoch;
        this.purpose = purpose;
        this.physical = physical;
        this.proxy = (Connection) Proxy.newProxyInstance(NinesConnection.class.getClassLoader(), INTERFACES, this);
    }

    Connection proxy() {
        return proxy;
    }

    // ---- NinesConnection

    @Override
    public String cluster() {
        return router.cluster();
    }

    @Override
    public long epoch() {
        return epoch;
    }

    @Override
    public Endpoint endpoint() {
        return pool.endpoint();
    }

    @Override
    public Purpose purpose() {
        return purpose;
    }

    @Override
    public boolean isRevoked() {
        return revokedBecause != null;
    }

    // ---- revocation

    /** Marks the connection revoked and aborts its socket, so a statement in flight fails now. False if already. */
    /**
     * The island guard declared an island: a guarded connection is aborted so that a call in flight (a commit
     * waiting for a semi-sync acknowledgement that cannot come) ends now with a refusal instead of a late OK.
     */
    boolean abortForIsland(String why) {
        if (purpose != Purpose.GUARDED || revokedBecause != null) {
            return false;
        }
        islandAborted = true;
        return revoke(why);
    }

    boolean revoke(String why) {
        if (revokedBecause != null) {
            return false;
        }
        revokedBecause = why;
        if (!closed) {
            try {
                physical.unwrap(Connection.class).abort(ABORTER); // the driver's connection: HikariCP's would only mark it
            } catch (SQLException | RuntimeException e) {
                // closed meanwhile: nothing left to abort
            }
        }
        return true;
    }

    FailoverInProgressException revoked(FailoverInProgressException.Reason reason, Throwable cause) {
        String what = reason == FailoverInProgressException.Reason.ABORTED
                ? "was aborted while a call was in flight (its outcome is unknown)" : "was revoked";
        return new FailoverInProgressException(reason, router.cluster(), router.epoch(), pool.id(),
                "connection to " + pool.id() + " (" + pool.endpoint().address() + ", epoch " + epoch + ") " + what
                        + ": " + revokedBecause + "; take a new connection", cause);
    }

    // ---- checks shared with statements and result sets

    /**
     * Before anything is sent that may write or commit. Returns the island mark to hand to {@link #afterExecute}
     * ({@code -1} unless guarded).
     */
    long beforeExecute() throws SQLException {
        checkNotRevoked();
        if (purpose != Purpose.GUARDED) {
            return -1;
        }
        long mark = router.islandMark();
        try {
            router.checkGuarded();
        } catch (IslandFencedSQLException e) {
            rollbackOpenTransaction(e);
            throw e;
        }
        return mark;
    }

    /**
     * After a guarded call that committed ({@code committed}) or may have (auto-commit): an island declared while it
     * was in flight makes its OK untrustworthy (see {@link ClusterRouter#checkNoIslandSince}).
     */
    void afterExecute(long mark, boolean committed) throws SQLException {
        if (mark >= 0 && (committed || physical.getAutoCommit())) {
            router.checkNoIslandSince(mark);
        }
    }

    void checkNotRevoked() throws SQLException {
        if (revokedBecause != null) {
            if (islandAborted) {
                throw router.islandRefusal(revokedBecause, false);
            }
            throw revoked(FailoverInProgressException.Reason.REVOKED, null);
        }
    }

    /** A refused guarded transaction must not linger holding locks, nor commit later by accident. */
    private void rollbackOpenTransaction(SQLException refusal) {
        try {
            if (!physical.getAutoCommit()) {
                physical.rollback();
            }
        } catch (SQLException e) {
            refusal.addSuppressed(e);
        }
    }

    /** Invokes on the delegate; a failure after revocation is the abort's doing. */
    Object call(Object target, Method method, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            if (cause instanceof SQLException sql && revokedBecause != null) {
                if (islandAborted) {
                    IslandFencedSQLException refusal = router.islandRefusal(revokedBecause, true);
                    refusal.addSuppressed(sql);
                    throw refusal;
                }
                throw revoked(FailoverInProgressException.Reason.ABORTED, sql);
            }
            throw cause;
        }
    }

    // ---- the proxy

    @Override
    public Object invoke(Object self, Method method, Object[] args) throws Throwable {
        Class<?> declaring = method.getDeclaringClass();
        String name = method.getName();
        if (declaring == Object.class) {
            return switch (name) {
                case "equals" -> self == args[0];
                case "hashCode" -> System.identityHashCode(self);
                default -> toString();
            };
        }
        if (declaring == NinesConnection.class) {
            return method.invoke(this, args);
        }
        switch (name) {
            case "close" -> {
                close();
                return null;
            }
            case "isClosed" -> {
                return closed || physical.isClosed();
            }
            case "unwrap" -> {
                Class<?> iface = (Class<?>) args[0];
                return iface.isInstance(self) ? self : call(physical, method, args);
            }
            case "isWrapperFor" -> {
                Class<?> iface = (Class<?>) args[0];
                return iface.isInstance(self) || (Boolean) call(physical, method, args);
            }
            case "isValid" -> {
                return revokedBecause == null && (Boolean) call(physical, method, args);
            }
            case "abort" -> {
                return call(physical, method, args);
            }
            case "rollback" -> {
                if (revokedBecause != null && (args == null || args.length == 0)) {
                    return null; // the server rolled back when the connection died; don't mask the caller's error
                }
            }
            case "commit" -> {
                long mark = beforeExecute();
                Object result = call(physical, method, args);
                afterExecute(mark, true);
                return result;
            }
            case "setAutoCommit" -> {
                // Switching auto-commit on inside a transaction commits it (JDBC): as guarded as commit().
                if (Boolean.TRUE.equals(args[0]) && purpose == Purpose.GUARDED && revokedBecause == null
                        && !physical.getAutoCommit()) {
                    long mark = beforeExecute();
                    Object result = call(physical, method, args);
                    afterExecute(mark, true);
                    return result;
                }
            }
            default -> {
            }
        }
        checkNotRevoked();
        Object result = call(physical, method, args);
        if (result instanceof Statement st && (name.startsWith("create") || name.startsWith("prepare"))) {
            return StatementHandler.wrap(this, st, method.getReturnType(), isUpdatable(name, args));
        }
        return result;
    }

    private static boolean isUpdatable(String method, Object[] args) {
        if (args == null) {
            return false;
        }
        Object concurrency = null;
        if (method.equals("createStatement") && args.length >= 2) {
            concurrency = args[1];
        } else if (args.length >= 3 && args[1] instanceof Integer && args[2] instanceof Integer) {
            concurrency = args[2]; // prepareStatement / prepareCall (sql, type, concurrency[, holdability])
        }
        return concurrency instanceof Integer c && c == ResultSet.CONCUR_UPDATABLE;
    }

    private void close() throws SQLException {
        if (closed) {
            return;
        }
        closed = true;
        pool.unregister(this);
        try {
            physical.close(); // HikariCP rolls back an open transaction, and discards an evicted connection
        } catch (SQLException | RuntimeException e) {
            // A revoked connection was aborted, and its pool may be shut down underneath: nothing left to close.
            if (revokedBecause == null) {
                throw e;
            }
        }
    }

    Connection physical() {
        return physical;
    }

    boolean guarded() {
        return purpose == Purpose.GUARDED;
    }

    /** For the statement proxies' interfaces. */
    static Class<?> statementInterface(Class<?> declared) {
        if (CallableStatement.class.isAssignableFrom(declared)) {
            return CallableStatement.class;
        }
        if (PreparedStatement.class.isAssignableFrom(declared)) {
            return PreparedStatement.class;
        }
        return Statement.class;
    }

    @Override
    public String toString() {
        return "NinesConnection[" + router.cluster() + "/" + pool.id() + " " + pool.endpoint().address() + ", epoch "
                + epoch + ", " + purpose + (revokedBecause != null ? ", revoked: " + revokedBecause : "")
                + (closed ? ", closed" : "") + "]";
    }
}
