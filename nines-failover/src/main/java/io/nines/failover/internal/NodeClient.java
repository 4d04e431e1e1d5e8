package io.nines.failover.internal;

import io.nines.mariadb.GtidPosition;
import io.nines.core.Clock;
import io.nines.failover.FailoverConfig.Credentials;
import io.nines.failover.FailoverConfig.Detection;
import io.nines.failover.FailoverConfig.HostPort;
import io.nines.failover.NodeSample;
import io.nines.failover.NodeVariables;
import io.nines.failover.Reach;
import io.nines.failover.ReplicaStatus;
import java.io.EOFException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLTimeoutException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;

/**
 * JDBC to one MariaDB node as the manager sees it (through the node's route from the manager's zone).
 *
 * <p>Probes run on a dedicated connection, kept open between probes (a dead server then shows at once as a
 * closed socket), with short connect and socket timeouts, and a hard deadline enforced from outside in case the
 * driver's own timeouts do not fire. Every administrative operation opens its own connection with a timeout fit
 * for it, so a slow {@code MASTER_GTID_WAIT} never holds up probing.
 */
public final class NodeClient implements AutoCloseable {

    private static final org.mariadb.jdbc.Driver DRIVER = new org.mariadb.jdbc.Driver();

    private final String name;
    private final HostPort address;
    private final Credentials credentials;
    private final Detection detection;
    private final ExecutorService executor;
    private final Clock clock;
    private final ReentrantLock lock = new ReentrantLock(); // probe connection and in-flight probe
    private Connection probe; // guarded by lock
    private long probeConnectionId = -1; // guarded by lock
    private Future<NodeSample> inFlight; // guarded by lock
    private volatile boolean closed;

    public NodeClient(String name, HostPort address, Credentials credentials, Detection detection,
                      ExecutorService executor, Clock clock) {
        this.name = name;
        this.address = address;
        this.credentials = credentials;
        this.detection = detection;
        this.executor = executor;
        this.clock = clock;
    }

    public String name() {
        return name;
    }

    public HostPort address() {
        return address;
    }

    /** The server-side id of the probe connection (not to be killed when fencing), or -1. */
    public long probeConnectionId() {
        lock.lock();
        try {
            return probeConnectionId;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Probes the node. At most one probe per node runs at a time: if the previous one still hangs, this waits for
     * it until the deadline. A probe past the deadline is a {@link Reach#TIMEOUT} and its connection is aborted.
     *
     * @param roundMillis the round's wall-clock start, recorded in the sample
     */
    public NodeSample sample(long roundMillis) {
        long t0 = clock.nanoTime();
        long budget = detection.connectTimeout().toNanos() + 3 * detection.readTimeout().toNanos() + 200_000_000L;
        Future<NodeSample> f;
        lock.lock();
        try {
            if (closed) {
                return failed(roundMillis, Reach.ERROR, "manager closed", t0);
            }
            if (inFlight == null || inFlight.isDone()) {
                inFlight = executor.submit(() -> doSample(roundMillis));
            }
            f = inFlight;
        } finally {
            lock.unlock();
        }
        try {
            return f.get(budget, TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            abortProbe();
            return failed(roundMillis, Reach.TIMEOUT,
                    "no answer within " + Durations.format(Duration.ofNanos(budget)), t0);
        } catch (ExecutionException e) {
            return failed(roundMillis, Reach.ERROR, String.valueOf(e.getCause()), t0);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return failed(roundMillis, Reach.ERROR, "interrupted", t0);
        }
    }

    private NodeSample doSample(long roundMillis) {
        long t0 = clock.nanoTime();
        Connection c;
        try {
            c = probeConnection();
            long start = clock.nanoTime();
            NodeVariables vars;
            ReplicaStatus replica;
            try (Statement s = c.createStatement()) {
                Map<String, String> status = new HashMap<>();
                try (ResultSet rs = s.executeQuery(Sql.PROBE_STATUS)) {
                    while (rs.next()) {
                        status.put(rs.getString(1).toUpperCase(Locale.ROOT), rs.getString(2));
                    }
                }
                try (ResultSet rs = s.executeQuery(Sql.PROBE_VARIABLES)) {
                    rs.next();
                    vars = new NodeVariables(rs.getLong(1), rs.getBoolean(2), GtidPosition.parse(rs.getString(3)),
                            GtidPosition.parse(rs.getString(4)), GtidPosition.parse(rs.getString(5)),
                            GtidPosition.parse(rs.getString(6)), rs.getBoolean(7), rs.getBoolean(8), rs.getBoolean(9),
                            rs.getBoolean(10), rs.getBoolean(11), rs.getString(12), rs.getLong(13), rs.getBoolean(14),
                            "ON".equalsIgnoreCase(status.get("RPL_SEMI_SYNC_MASTER_STATUS")),
                            parseInt(status.get("RPL_SEMI_SYNC_MASTER_CLIENTS")),
                            "ON".equalsIgnoreCase(status.get("RPL_SEMI_SYNC_SLAVE_STATUS")), rs.getString(15));
                }
                replica = readReplica(s);
            }
            return new NodeSample(name, start, clock.nanoTime(), roundMillis, Reach.OK, "", millisSince(t0), vars, replica);
        } catch (SQLException e) {
            dropProbe();
            return new NodeSample(name, t0, clock.nanoTime(), roundMillis, classify(e), describe(e), millisSince(t0), null, null);
        } catch (RuntimeException e) {
            dropProbe();
            return new NodeSample(name, t0, clock.nanoTime(), roundMillis, Reach.ERROR, e.toString(), millisSince(t0), null, null);
        }
    }

    private static ReplicaStatus readReplica(Statement s) throws SQLException {
        try (ResultSet rs = s.executeQuery(Sql.REPLICA_STATUS)) {
            while (rs.next()) {
                String connection = rs.getString("Connection_name");
                if (connection != null && !connection.isEmpty()) {
                    continue; // multi-source connections are not managed
                }
                long behind = rs.getLong("Seconds_Behind_Master");
                Long secondsBehind = rs.wasNull() ? null : behind;
                return new ReplicaStatus(nn(rs.getString("Slave_IO_Running")), nn(rs.getString("Slave_SQL_Running")),
                        nn(rs.getString("Slave_IO_State")), nn(rs.getString("Master_Host")), rs.getInt("Master_Port"),
                        rs.getLong("Master_Server_Id"), nn(rs.getString("Using_Gtid")),
                        GtidPosition.parse(rs.getString("Gtid_IO_Pos")), secondsBehind, rs.getInt("Last_IO_Errno"),
                        nn(rs.getString("Last_IO_Error")), rs.getInt("Last_SQL_Errno"), nn(rs.getString("Last_SQL_Error")),
                        nn(rs.getString("Master_Log_File")), rs.getLong("Read_Master_Log_Pos"),
                        rs.getLong("Slave_received_heartbeats"), rs.getDouble("Slave_heartbeat_period"));
            }
            return null;
        }
    }

    private Connection probeConnection() throws SQLException {
        lock.lock();
        try {
            if (probe != null) {
                return probe;
            }
        } finally {
            lock.unlock();
        }
        Connection c = connect(detection.connectTimeout(), detection.readTimeout());
        long id;
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT CONNECTION_ID()")) {
            rs.next();
            id = rs.getLong(1);
        } catch (SQLException e) {
            closeQuietly(c);
            throw e;
        }
        lock.lock();
        try {
            if (closed) {
                closeQuietly(c);
                throw new SQLException("closed");
            }
            probe = c;
            probeConnectionId = id;
            return c;
        } finally {
            lock.unlock();
        }
    }

    private void dropProbe() {
        Connection c;
        lock.lock();
        try {
            c = probe;
            probe = null;
            probeConnectionId = -1;
        } finally {
            lock.unlock();
        }
        closeQuietly(c);
    }

    /** Aborts the probe connection from outside (the probing thread then fails and drops it). */
    private void abortProbe() {
        Connection c;
        lock.lock();
        try {
            c = probe;
            probe = null;
            probeConnectionId = -1;
        } finally {
            lock.unlock();
        }
        if (c != null) {
            try {
                c.abort(executor);
            } catch (SQLException | RuntimeException e) {
                closeQuietly(c);
            }
        }
    }

    // ---------------------------------------------------------------- administration

    /** A fresh connection whose socket timeout is {@code timeout}. */
    public Connection connect(Duration connectTimeout, Duration socketTimeout) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", credentials.user());
        p.setProperty("password", credentials.password());
        p.setProperty("connectTimeout", Long.toString(Math.max(1, connectTimeout.toMillis())));
        p.setProperty("socketTimeout", Long.toString(Math.max(1, socketTimeout.toMillis())));
        p.setProperty("tcpKeepAlive", "true");
        String url = "jdbc:mariadb://" + address + "/";
        Connection c = DRIVER.connect(url, p);
        if (c == null) {
            throw new SQLException("the MariaDB driver refused URL " + url);
        }
        return c;
    }

    /** Runs the statements in order on one connection; each may take up to {@code timeout}. */
    public void execute(Duration timeout, List<String> statements) throws SQLException {
        try (Connection c = connect(detection.connectTimeout().plus(detection.readTimeout()), timeout.plus(detection.readTimeout()));
             Statement s = c.createStatement()) {
            for (String sql : statements) {
                s.execute(sql);
            }
        }
    }

    /** The first column of the first row of {@code sql} (null if none). */
    public String query(Duration timeout, String sql) throws SQLException {
        try (Connection c = connect(detection.connectTimeout().plus(detection.readTimeout()), timeout.plus(detection.readTimeout()));
             Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    /**
     * Fences a reachable primary: {@code read_only=ON}, every client session killed (not this manager's probe,
     * not the replicas' dump threads), then, only if asked, semi-sync master off (switching it off first would
     * release commits waiting for an acknowledgement with an OK for data no replica has).
     *
     * <p>{@code SET GLOBAL read_only=ON} waits for commits in progress, and a commit waiting for a semi-sync
     * acknowledgement that cannot come (an isolated primary) holds it up to {@code rpl_semi_sync_master_timeout},
     * after which the commit falls back to async and its client gets OK (measured: 30 s). So it is issued on one
     * connection while another kills the client sessions until it returns: the killed waiter's client gets an
     * error, never an OK, and the pending global read lock keeps new writes out meanwhile.
     *
     * @return how many sessions were killed
     */
    public int fence(Duration timeout, boolean semiSyncOff) throws SQLException {
        long keep = probeConnectionId();
        Duration connectTimeout = detection.connectTimeout().plus(detection.readTimeout());
        long deadline = clock.nanoTime() + timeout.toNanos();
        try (Connection a = connect(connectTimeout, timeout.plus(detection.readTimeout()));
             Connection b = connect(connectTimeout, timeout.plus(detection.readTimeout()));
             Statement sa = a.createStatement(); Statement sb = b.createStatement()) {
            long aId = connectionId(sa);
            long bId = connectionId(sb);
            Future<?> readOnly = executor.submit(() -> {
                sa.execute("SET GLOBAL read_only=ON");
                return null;
            });
            int killed = 0;
            while (true) {
                try {
                    readOnly.get(20, TimeUnit.MILLISECONDS); // usually done at once
                    break;
                } catch (TimeoutException e) {
                    killed += killClients(sb, keep, aId, bId); // a commit holds it up: kill the waiters
                    if (clock.nanoTime() - deadline > 0) {
                        readOnly.cancel(true);
                        throw new SQLException("SET GLOBAL read_only=ON did not complete within " + Durations.format(timeout)
                                + " although client sessions were killed");
                    }
                } catch (ExecutionException e) {
                    throw e.getCause() instanceof SQLException se ? se : new SQLException(e.getCause());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new SQLException("interrupted while fencing", e);
                }
            }
            killed += killClients(sb, keep, aId, bId);
            if (semiSyncOff) {
                sb.execute("SET GLOBAL rpl_semi_sync_master_enabled=OFF");
            }
            return killed;
        }
    }

    private static long connectionId(Statement s) throws SQLException {
        try (ResultSet rs = s.executeQuery("SELECT CONNECTION_ID()")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static int killClients(Statement s, long... keep) throws SQLException {
        List<Long> ids = new ArrayList<>();
        try (ResultSet rs = s.executeQuery(Sql.CLIENT_SESSIONS)) {
            while (rs.next()) {
                ids.add(rs.getLong(1));
            }
        }
        int killed = 0;
        for (long id : ids) {
            boolean ours = false;
            for (long k : keep) {
                ours |= id == k;
            }
            if (ours) {
                continue;
            }
            try {
                s.execute(Sql.kill(id));
                killed++;
            } catch (SQLException e) {
                if (e.getErrorCode() != 1094) { // unknown thread: it ended by itself
                    throw e;
                }
            }
        }
        return killed;
    }

    // ---------------------------------------------------------------- failures

    /**
     * Refused, reset or closed by the peer: the host says nothing listens (the process is dead). A timeout: no
     * answer (a partition, or a hung host). A server error code: the server is alive.
     */
    static Reach classify(SQLException e) {
        boolean timeout = false;
        boolean dead = false;
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SocketTimeoutException || t instanceof SQLTimeoutException
                    || (t instanceof InterruptedIOException && !(t instanceof SocketTimeoutException))) {
                timeout = true;
            } else if (t instanceof ConnectException || t instanceof EOFException || t instanceof SocketException) {
                dead = true;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        if (timeout) {
            return Reach.TIMEOUT;
        }
        if (dead) {
            return Reach.DEAD;
        }
        String state = e.getSQLState();
        if (e.getErrorCode() > 0 && (state == null || !state.startsWith("08") || e.getErrorCode() == 1040)) {
            return Reach.ERROR;
        }
        return state != null && state.startsWith("08") ? Reach.DEAD : Reach.ERROR;
    }

    static String describe(Throwable e) {
        StringBuilder sb = new StringBuilder();
        for (Throwable t = e; t != null && sb.length() < 400; t = t.getCause()) {
            if (!sb.isEmpty()) {
                sb.append(" <- ");
            }
            sb.append(t.getClass().getSimpleName()).append(": ").append(t.getMessage());
            if (t.getCause() == t) {
                break;
            }
        }
        return sb.toString();
    }

    private NodeSample failed(long roundMillis, Reach reach, String error, long t0) {
        return new NodeSample(name, t0, clock.nanoTime(), roundMillis, reach, error, millisSince(t0), null, null);
    }

    private long millisSince(long t0) {
        return (clock.nanoTime() - t0) / 1_000_000;
    }

    private static int parseInt(String s) {
        try {
            return s == null ? 0 : Integer.parseInt(s.trim());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static String nn(String s) {
        return s == null ? "" : s;
    }

    private static void closeQuietly(Connection c) {
        if (c != null) {
            try {
                c.close();
            } catch (SQLException | RuntimeException e) {
                // already broken
            }
        }
    }

    @Override
    public void close() {
        lock.lock();
        try {
            closed = true;
        } finally {
            lock.unlock();
        }
        abortProbe();
    }

    @Override
    public String toString() {
        return "NodeClient[" + name + " " + address + "]";
    }
}
