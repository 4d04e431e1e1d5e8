package io.nines.testkit.mariadb;

import io.nines.mariadb.GtidPosition;
import io.nines.testkit.EmbeddedMariaDb;
import java.net.InetSocketAddress;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;

/**
 * One server of a {@link MariaDbCluster}: a named {@link EmbeddedMariaDb} in a zone. State queries open a
 * short-lived direct connection as {@value EmbeddedMariaDb#USER} each time (they throw
 * {@link SQLException} when the server is down).
 */
public final class MariaDbNode {

    /** Queries of this class give up connecting after this long (a killed server refuses at once anyway). */
    private static final int CONNECT_TIMEOUT_MS = 3_000;

    private final String name;
    private final String zone;
    private final long serverId;
    private final EmbeddedMariaDb server;
    private final ZoneRouter router;

    MariaDbNode(String name, String zone, long serverId, EmbeddedMariaDb server, ZoneRouter router) {
        this.name = name;
        this.zone = zone;
        this.serverId = serverId;
        this.server = server;
        this.router = router;
    }

    public String name() {
        return name;
    }

    public String zone() {
        return zone;
    }

    /** {@code server_id}: the middle part of the GTIDs this node writes as a primary. */
    public long serverId() {
        return serverId;
    }

    /** The underlying server (port, directory, pid, options). */
    public EmbeddedMariaDb server() {
        return server;
    }

    /** The real address the server listens on (no link in between). */
    public InetSocketAddress address() {
        return server.address();
    }

    /** The address a client in {@code clientZone} uses to reach this node (a cuttable link when the zones differ). */
    public InetSocketAddress addressFrom(String clientZone) {
        return router.route(Objects.requireNonNull(clientZone, "clientZone"), zone, address());
    }

    /** The JDBC URL of {@code database} for a client in {@code clientZone}: host and port routed (see {@link #addressFrom}). */
    public String jdbcUrl(String clientZone, String database) {
        InetSocketAddress a = addressFrom(clientZone);
        return "jdbc:mariadb://" + a.getHostString() + ":" + a.getPort() + "/" + (database == null ? "" : database);
    }

    /** A direct connection (no link) to {@code database} as {@value EmbeddedMariaDb#USER}. */
    public Connection connect(String database) throws SQLException {
        return server.connect(database);
    }

    /** A direct connection as {@code user}, e.g. {@link EmbeddedMariaDb#APP_USER} (whom {@code read_only} refuses). */
    public Connection connectAs(String user, String database) throws SQLException {
        return server.connectAs(user, database);
    }

    /** Runs each statement in order on one direct connection as {@value EmbeddedMariaDb#USER}. */
    public void execute(String... statements) throws SQLException {
        execute(List.of(statements));
    }

    /** Runs each statement in order on one direct connection as {@value EmbeddedMariaDb#USER}. */
    public void execute(List<String> statements) throws SQLException {
        try (Connection c = admin(); Statement s = c.createStatement()) {
            for (String sql : statements) {
                s.execute(sql);
            }
        }
    }

    /** The first column of the first row of {@code sql} as a string (null for no row or SQL NULL). */
    public String queryString(String sql) throws SQLException {
        try (Connection c = admin(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    /** {@code @@gtid_current_pos}: the last GTID applied or written here, per domain. */
    public GtidPosition gtidCurrentPos() throws SQLException {
        return GtidPosition.parse(queryString("SELECT @@GLOBAL.gtid_current_pos"));
    }

    /** {@code @@gtid_slave_pos}: the last GTID applied by replication, per domain. */
    public GtidPosition gtidSlavePos() throws SQLException {
        return GtidPosition.parse(queryString("SELECT @@GLOBAL.gtid_slave_pos"));
    }

    /** {@code @@gtid_binlog_pos}: the last GTID in this server's binlog, per domain. */
    public GtidPosition gtidBinlogPos() throws SQLException {
        return GtidPosition.parse(queryString("SELECT @@GLOBAL.gtid_binlog_pos"));
    }

    /** {@code @@gtid_binlog_state}: the last GTID in the binlog per domain and server (errant-GTID checks). */
    public GtidPosition gtidBinlogState() throws SQLException {
        return GtidPosition.parse(queryString("SELECT @@GLOBAL.gtid_binlog_state"));
    }

    /** A global status value ({@code SHOW GLOBAL STATUS}), e.g. {@code Rpl_semi_sync_master_clients}; null if unknown. */
    public String globalStatus(String name) throws SQLException {
        return lookup("SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = ?", name);
    }

    /** A global system variable, e.g. {@code read_only} ("ON"/"OFF"); null if unknown. */
    public String globalVariable(String name) throws SQLException {
        return lookup("SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_VARIABLES WHERE VARIABLE_NAME = ?", name);
    }

    /** {@code SHOW SLAVE STATUS}, empty when this node is not configured as a replica. */
    public Optional<ReplicaStatus> replicaStatus() throws SQLException {
        try (Connection c = admin(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SHOW SLAVE STATUS")) {
            if (!rs.next()) {
                return Optional.empty();
            }
            long behind = rs.getLong("Seconds_Behind_Master");
            Long secondsBehind = rs.wasNull() ? null : behind;
            return Optional.of(new ReplicaStatus(
                    nonNull(rs.getString("Slave_IO_State")),
                    nonNull(rs.getString("Slave_IO_Running")),
                    nonNull(rs.getString("Slave_SQL_Running")),
                    nonNull(rs.getString("Master_Host")),
                    rs.getInt("Master_Port"),
                    nonNull(rs.getString("Using_Gtid")),
                    GtidPosition.parse(rs.getString("Gtid_IO_Pos")),
                    secondsBehind,
                    rs.getLong("Master_Server_Id"),
                    rs.getInt("Last_IO_Errno"),
                    nonNull(rs.getString("Last_IO_Error")),
                    rs.getInt("Last_SQL_Errno"),
                    nonNull(rs.getString("Last_SQL_Error"))));
        }
    }

    /** SIGKILL of {@code mariadbd} (a crash); see {@link EmbeddedMariaDb#kill()}. */
    public void kill() {
        server.kill();
    }

    /** A clean shutdown; see {@link EmbeddedMariaDb#stop()}. */
    public void stop() {
        server.stop();
    }

    /**
     * Starts the node again on the same data and port. It comes back {@code read_only=ON}, semi-sync
     * master off and, with {@code skip-slave-start} (the cluster's default), not replicating.
     */
    public void restart() {
        server.restart();
    }

    public boolean isRunning() {
        return server.isRunning();
    }

    @Override
    public String toString() {
        return name + "@" + zone + "(server_id=" + serverId + ", " + server.host() + ":" + server.port() + ")";
    }

    private Connection admin() throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", EmbeddedMariaDb.USER);
        p.setProperty("password", "");
        p.setProperty("connectTimeout", Integer.toString(CONNECT_TIMEOUT_MS));
        return DriverManager.getConnection(server.jdbcUrl(""), p);
    }

    private String lookup(String sql, String name) throws SQLException {
        try (Connection c = admin(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, name.toUpperCase(java.util.Locale.ROOT));
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    private static String nonNull(String s) {
        return s == null ? "" : s;
    }
}
