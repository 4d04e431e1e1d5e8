package io.nines.failover;

import io.nines.mariadb.GtidPosition;

/**
 * The default replication connection of a server ({@code SHOW ALL SLAVES STATUS}, connection name '').
 *
 * @param ioRunning          {@code Slave_IO_Running}: Yes, No, Connecting or Preparing
 * @param sqlRunning         {@code Slave_SQL_Running}
 * @param ioState            {@code Slave_IO_State}
 * @param masterHost         {@code Master_Host}
 * @param masterPort         {@code Master_Port}
 * @param masterServerId     {@code Master_Server_Id} (of the last primary it connected to)
 * @param usingGtid          {@code Using_Gtid}
 * @param gtidIoPos          {@code Gtid_IO_Pos}: last GTID received (empty until something arrives after START SLAVE)
 * @param secondsBehind      {@code Seconds_Behind_Master}, null when not computable
 * @param lastIoErrno        {@code Last_IO_Errno}
 * @param lastIoError        {@code Last_IO_Error}
 * @param lastSqlErrno       {@code Last_SQL_Errno}
 * @param lastSqlError       {@code Last_SQL_Error}
 * @param masterLogFile      {@code Master_Log_File}
 * @param readMasterLogPos   {@code Read_Master_Log_Pos}: grows with every event received
 * @param receivedHeartbeats {@code Slave_received_heartbeats}: grows with every heartbeat of an idle primary
 * @param heartbeatPeriod    {@code Slave_heartbeat_period} in seconds
 */
public record ReplicaStatus(String ioRunning, String sqlRunning, String ioState, String masterHost, int masterPort,
                            long masterServerId, String usingGtid, GtidPosition gtidIoPos, Long secondsBehind,
                            int lastIoErrno, String lastIoError, int lastSqlErrno, String lastSqlError,
                            String masterLogFile, long readMasterLogPos, long receivedHeartbeats, double heartbeatPeriod) {

    public boolean ioYes() {
        return "Yes".equalsIgnoreCase(ioRunning);
    }

    public boolean sqlYes() {
        return "Yes".equalsIgnoreCase(sqlRunning);
    }

    /** Both threads run. */
    public boolean healthy() {
        return ioYes() && sqlYes();
    }

    /**
     * Changes whenever anything arrives from the primary: an event moves the read position, a heartbeat
     * raises the counter.
     */
    public String progress() {
        return masterLogFile + ":" + readMasterLogPos + "#" + receivedHeartbeats;
    }

    /** A short description for audit messages. */
    public String describe() {
        StringBuilder sb = new StringBuilder("IO=").append(ioRunning).append(" SQL=").append(sqlRunning);
        if (lastIoErrno != 0) {
            sb.append(" io_errno=").append(lastIoErrno).append(" '").append(abbreviate(lastIoError)).append('\'');
        }
        if (lastSqlErrno != 0) {
            sb.append(" sql_errno=").append(lastSqlErrno).append(" '").append(abbreviate(lastSqlError)).append('\'');
        }
        return sb.toString();
    }

    private static String abbreviate(String s) {
        return s == null ? "" : s.length() <= 160 ? s : s.substring(0, 157) + "...";
    }
}
