package io.nines.testkit.mariadb;

import io.nines.mariadb.GtidPosition;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * The SQL a failover manager runs on MariaDB 10.11 (GTID, {@code gtid_strict_mode},
 * {@code log_slave_updates}, semi-sync {@code AFTER_SYNC}), as verified against real servers by
 * {@code MariaDbClusterFailoverTest}. Each method returns the statements in order; run each on its own
 * (one statement per {@code Statement.execute}).
 *
 * <h2>Runbook (primary P crashed or is isolated; replicas R1..Rn)</h2>
 * <ol>
 * <li><b>Fence P if reachable</b> ({@link #fence()}): {@code SET GLOBAL read_only=ON}, then
 *     {@code KILL CONNECTION} every client session ({@link #CLIENT_SESSIONS}; not the
 *     {@code Binlog Dump} threads: replicas must still drain P's binlog), then semi-sync master off.
 *     <b>Order matters</b>: {@code SET GLOBAL rpl_semi_sync_master_enabled=OFF} releases the commits
 *     waiting for a replica's ack and their clients get OK for transactions no replica may have; kill
 *     those sessions first. {@code read_only} does not stop users with {@code READ_ONLY ADMIN} (in 10.11
 *     no longer part of SUPER) — nor anybody on a server run with {@code --skip-grant-tables}.</li>
 * <li><b>Choose the most advanced replica</b>: highest {@code Gtid_IO_Pos} of {@code SHOW SLAVE STATUS}
 *     (received; per domain, compare sequence numbers, {@link GtidPosition#reaches}). A replica ahead of
 *     the chosen one cannot follow it: its start position would not be in the new primary's binlog
 *     (error 1236 under {@code gtid_strict_mode}).</li>
 * <li><b>Wait for its relay log to be applied</b> ({@link #masterGtidWait}):
 *     {@code SELECT MASTER_GTID_WAIT('<its Gtid_IO_Pos>', <seconds>)} returns 0 when applied, -1 on
 *     timeout. Run it <em>before</em> {@code STOP SLAVE}.</li>
 * <li><b>Promote it</b> ({@link #promote()}): {@code STOP SLAVE; RESET SLAVE ALL;
 *     SET GLOBAL rpl_semi_sync_master_enabled=ON; SET GLOBAL read_only=OFF} (semi-sync before writes
 *     open). Its {@code gtid_slave_pos} stays at the old primary's last GTID; {@code gtid_current_pos}
 *     follows its own binlog from its first write on (GTIDs {@code domain-<its server id>-n}).</li>
 * <li><b>Re-point the other replicas</b> ({@link #repoint}): {@code STOP SLAVE; CHANGE MASTER TO
 *     MASTER_HOST=.., MASTER_PORT=.., MASTER_USER=.., MASTER_PASSWORD=.., MASTER_USE_GTID=slave_pos,
 *     MASTER_CONNECT_RETRY=1; START SLAVE}. Until one of them is connected as a semi-sync client
 *     ({@code Rpl_semi_sync_master_clients >= 1} on the new primary), commits there wait for
 *     {@code rpl_semi_sync_master_timeout} ({@code rpl_semi_sync_master_wait_no_slave=ON}).</li>
 * <li><b>Publish</b> the new topology (epoch + 1).</li>
 * <li><b>Rejoin the old primary</b> when it returns (it starts {@code read_only=ON}, semi-sync master
 *     off, no replication: those are startup options of every node): first <b>check for errant
 *     transactions</b>: {@code GtidPosition.parse(old @@gtid_binlog_state)
 *     .missingFrom(GtidPosition.parse(new primary @@gtid_binlog_state))} must be empty (compares the last
 *     sequence number per domain <em>and server</em>; a non-empty result lists transactions only the old
 *     primary has, e.g. acknowledged without semi-sync, that must be reconciled by hand or the node
 *     quarantined). Then {@link #demote}: {@code CHANGE MASTER TO ..., MASTER_USE_GTID=slave_pos,
 *     MASTER_DEMOTE_TO_SLAVE=1; START SLAVE} ({@code MASTER_DEMOTE_TO_SLAVE} exists since 10.10: it
 *     merges {@code gtid_binlog_pos} into {@code gtid_slave_pos}; the pre-10.10 equivalent, not exercised
 *     here, is {@code SET GLOBAL gtid_slave_pos=@@gtid_binlog_pos} before the {@code CHANGE MASTER}). With
 *     an errant transaction the IO thread stops with error 1236 "connecting slave requested to start from
 *     GTID ..., which is not in the master's binlog".</li>
 * </ol>
 */
public final class FailoverSql {

    /**
     * Ids of the sessions to kill when fencing: every session but this one, the server's own threads and
     * the replicas' {@code Binlog Dump} threads.
     */
    public static final String CLIENT_SESSIONS = "SELECT ID FROM information_schema.PROCESSLIST"
            + " WHERE ID <> CONNECTION_ID() AND USER NOT IN ('system user', 'event_scheduler')"
            + " AND COMMAND NOT IN ('Binlog Dump', 'Daemon')";

    private FailoverSql() {
    }

    /**
     * Fencing a reachable primary, in order: {@code read_only=ON}, then (not included: run
     * {@link #CLIENT_SESSIONS} and {@link #killConnection(long)} for each id), then semi-sync master off.
     * Returns the first and the last statement; see the class doc for why the kills go between them.
     */
    public static List<String> fence() {
        return List.of("SET GLOBAL read_only=ON", "SET GLOBAL rpl_semi_sync_master_enabled=OFF");
    }

    /** {@code KILL CONNECTION id}. */
    public static String killConnection(long id) {
        return "KILL CONNECTION " + id;
    }

    /**
     * {@code SELECT MASTER_GTID_WAIT('pos', seconds)}: on a replica, waits until its SQL thread applied
     * {@code position}; the single result column is 0 when done, -1 on timeout.
     */
    public static String masterGtidWait(GtidPosition position, Duration timeout) {
        Objects.requireNonNull(position, "position");
        return String.format(Locale.ROOT, "SELECT MASTER_GTID_WAIT(%s, %.3f)", literal(position.toString()),
                timeout.toMillis() / 1000.0);
    }

    /** Turns a replica whose relay log is applied into the primary. */
    public static List<String> promote() {
        return List.of("STOP SLAVE", "RESET SLAVE ALL", "SET GLOBAL rpl_semi_sync_master_enabled=ON",
                "SET GLOBAL read_only=OFF");
    }

    /**
     * {@code CHANGE MASTER TO} {@code primary} with GTID ({@code slave_pos}) and a 1 s connect retry;
     * {@code demote} adds {@code MASTER_DEMOTE_TO_SLAVE=1}. {@code primary} is the address as seen from
     * the replica's zone ({@link MariaDbNode#addressFrom(String)}).
     */
    public static String changeMaster(InetSocketAddress primary, String user, String password, boolean demote) {
        return "CHANGE MASTER TO MASTER_HOST=" + literal(primary.getHostString())
                + ", MASTER_PORT=" + primary.getPort()
                + ", MASTER_USER=" + literal(user)
                + ", MASTER_PASSWORD=" + literal(password)
                + ", MASTER_USE_GTID=slave_pos, MASTER_CONNECT_RETRY=1"
                + (demote ? ", MASTER_DEMOTE_TO_SLAVE=1" : "");
    }

    /** Makes a replica (or a fresh server) replicate from {@code primary}, continuing from its {@code gtid_slave_pos}. */
    public static List<String> repoint(InetSocketAddress primary, String user, String password) {
        return List.of("STOP SLAVE", changeMaster(primary, user, password, false), "START SLAVE");
    }

    /**
     * Rejoins a former primary as a replica of {@code primary} (check for errant transactions first,
     * see the class doc).
     */
    public static List<String> demote(InetSocketAddress primary, String user, String password) {
        return List.of("SET GLOBAL read_only=ON", "SET GLOBAL rpl_semi_sync_master_enabled=OFF", "STOP SLAVE",
                changeMaster(primary, user, password, true), "START SLAVE");
    }

    /** A single-quoted SQL string literal. */
    static String literal(String s) {
        Objects.requireNonNull(s);
        return "'" + s.replace("\\", "\\\\").replace("'", "''") + "'";
    }
}
