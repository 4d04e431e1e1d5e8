package io.nines.failover.internal;

import io.nines.mariadb.GtidPosition;
import io.nines.failover.FailoverConfig.HostPort;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * The statements the manager runs on MariaDB 10.11, as verified on real servers by the testkit's
 * {@code MariaDbClusterFailoverTest} (its {@code FailoverSql} javadoc is the runbook). One statement per
 * {@code Statement.execute}.
 */
public final class Sql {

    /** What every probe reads (one round trip). */
    public static final String PROBE_VARIABLES = "SELECT @@server_id, @@read_only, @@gtid_current_pos, @@gtid_binlog_pos,"
            + " @@gtid_binlog_state, @@gtid_slave_pos, @@gtid_strict_mode, @@log_bin, @@log_slave_updates,"
            + " @@rpl_semi_sync_master_enabled, @@rpl_semi_sync_slave_enabled, @@rpl_semi_sync_master_wait_point,"
            + " @@rpl_semi_sync_master_timeout, @@rpl_semi_sync_master_wait_no_slave, @@version";

    public static final String PROBE_STATUS = "SELECT VARIABLE_NAME, VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS"
            + " WHERE VARIABLE_NAME IN ('RPL_SEMI_SYNC_MASTER_STATUS', 'RPL_SEMI_SYNC_MASTER_CLIENTS',"
            + " 'RPL_SEMI_SYNC_SLAVE_STATUS')";

    /** Has {@code Slave_received_heartbeats}, which {@code SHOW SLAVE STATUS} lacks in 10.11. */
    public static final String REPLICA_STATUS = "SHOW ALL SLAVES STATUS";

    /**
     * Sessions to kill when fencing: every session but this one, the server's own threads and the replicas'
     * {@code Binlog Dump} threads (replicas must still drain the binlog).
     */
    public static final String CLIENT_SESSIONS = "SELECT ID FROM information_schema.PROCESSLIST"
            + " WHERE ID <> CONNECTION_ID() AND USER NOT IN ('system user', 'event_scheduler')"
            + " AND COMMAND NOT IN ('Binlog Dump', 'Daemon')";

    private Sql() {
    }

    public static String kill(long id) {
        return "KILL CONNECTION " + id;
    }

    /** {@code SELECT MASTER_GTID_WAIT('pos', seconds)}: 0 when applied, -1 on timeout. */
    public static String masterGtidWait(GtidPosition position, Duration timeout) {
        return String.format(Locale.ROOT, "SELECT MASTER_GTID_WAIT(%s, %.3f)", literal(position.toString()),
                timeout.toMillis() / 1000.0);
    }

    /** Semi-sync master on with the configured timeout (before writes open). */
    public static List<String> semiSyncMaster(boolean on, Duration timeout) {
        List<String> s = new ArrayList<>();
        if (on) {
            s.add("SET GLOBAL rpl_semi_sync_master_timeout=" + timeout.toMillis());
            s.add("SET GLOBAL rpl_semi_sync_master_wait_point=AFTER_SYNC");
            s.add(waitNoSlave(true));
        }
        s.add("SET GLOBAL rpl_semi_sync_master_enabled=" + (on ? "ON" : "OFF"));
        return s;
    }

    /**
     * {@code rpl_semi_sync_master_wait_no_slave}: ON makes commits wait for the timeout even when no acknowledging
     * replica is connected, which keeps a cut-off primary from acknowledging alone.
     */
    public static String waitNoSlave(boolean on) {
        return "SET GLOBAL rpl_semi_sync_master_wait_no_slave=" + (on ? "ON" : "OFF");
    }

    /** Turns a replica whose relay log is applied into a primary; writes stay closed ({@code read_only}). */
    public static List<String> promote(boolean semiSync, Duration semiSyncTimeout) {
        List<String> s = new ArrayList<>(List.of("SET GLOBAL read_only=ON", "STOP SLAVE", "RESET SLAVE ALL"));
        s.addAll(semiSyncMaster(semiSync, semiSyncTimeout));
        return s;
    }

    public static String changeMaster(HostPort primary, String user, String password, Duration heartbeat, boolean demote) {
        return "CHANGE MASTER TO MASTER_HOST=" + literal(primary.host())
                + ", MASTER_PORT=" + primary.port()
                + ", MASTER_USER=" + literal(user)
                + ", MASTER_PASSWORD=" + literal(password)
                + ", MASTER_USE_GTID=slave_pos, MASTER_CONNECT_RETRY=1"
                + ", MASTER_HEARTBEAT_PERIOD=" + seconds(heartbeat)
                + (demote ? ", MASTER_DEMOTE_TO_SLAVE=1" : "");
    }

    /**
     * Makes a replica replicate from {@code primary}, continuing from its {@code gtid_slave_pos}; its semi-sync
     * acknowledgement on or off (read at connect, so set before START SLAVE).
     */
    public static List<String> repoint(HostPort primary, String user, String password, Duration heartbeat, boolean ack) {
        return List.of("STOP SLAVE", "SET GLOBAL read_only=ON",
                "SET GLOBAL rpl_semi_sync_slave_enabled=" + (ack ? "ON" : "OFF"),
                changeMaster(primary, user, password, heartbeat, false), "START SLAVE");
    }

    /**
     * Rejoins a former primary as a replica ({@code MASTER_DEMOTE_TO_SLAVE=1}, present since 10.10: merges its
     * {@code gtid_binlog_pos} into {@code gtid_slave_pos}). Check for errant transactions first.
     */
    public static List<String> demote(HostPort primary, String user, String password, Duration heartbeat, boolean ack) {
        // Semi-sync master off last: it waits for the acknowledgement thread to stop (up to ~1 s, measured), and
        // the node should start replicating first. Its client sessions were killed when it was fenced, so no
        // commit is waiting for an acknowledgement that switching it off would release.
        return List.of("SET GLOBAL read_only=ON", "STOP SLAVE",
                "SET GLOBAL rpl_semi_sync_slave_enabled=" + (ack ? "ON" : "OFF"),
                changeMaster(primary, user, password, heartbeat, true), "START SLAVE",
                "SET GLOBAL rpl_semi_sync_master_enabled=OFF");
    }

    /** Keeps a node out: read-only, no semi-sync master, no replication. */
    public static List<String> quarantine() {
        return List.of("SET GLOBAL read_only=ON", "SET GLOBAL rpl_semi_sync_master_enabled=OFF", "STOP SLAVE");
    }

    /** A heartbeat period change needs the replication threads stopped. */
    public static List<String> heartbeat(Duration period) {
        return List.of("STOP SLAVE", "CHANGE MASTER TO MASTER_HEARTBEAT_PERIOD=" + seconds(period), "START SLAVE");
    }

    /** Semi-sync acknowledgement is negotiated at connect: restart the IO thread. */
    public static List<String> ackers(boolean on) {
        return List.of("SET GLOBAL rpl_semi_sync_slave_enabled=" + (on ? "ON" : "OFF"), "STOP SLAVE IO_THREAD",
                "START SLAVE IO_THREAD");
    }

    static String seconds(Duration d) {
        return BigDecimal.valueOf(d.toMillis()).movePointLeft(3).toPlainString();
    }

    /** A single-quoted SQL string literal. */
    public static String literal(String s) {
        Objects.requireNonNull(s);
        return "'" + s.replace("\\", "\\\\").replace("'", "''") + "'";
    }
}
