package io.nines.testkit.mariadb;

import io.nines.mariadb.GtidPosition;
import java.net.InetSocketAddress;

/**
 * The fields of {@code SHOW SLAVE STATUS} a failover manager reads.
 *
 * @param ioState             {@code Slave_IO_State}, e.g. "Waiting for master to send event"
 * @param ioRunning           {@code Slave_IO_Running}: "Yes", "No" or "Connecting"
 * @param sqlRunning          {@code Slave_SQL_Running}: "Yes" or "No"
 * @param masterHost          {@code Master_Host} (the routed address when the link crosses zones)
 * @param masterPort          {@code Master_Port}
 * @param usingGtid           {@code Using_Gtid}: "No", "Slave_Pos" or "Current_Pos"
 * @param gtidIoPos           {@code Gtid_IO_Pos}: the last GTID received from the primary (maybe not yet applied)
 * @param secondsBehindMaster {@code Seconds_Behind_Master}, null when the SQL or IO thread does not run
 * @param masterServerId      {@code Master_Server_Id} (0 before the first connection)
 * @param lastIoErrno         {@code Last_IO_Errno} (e.g. 2003 cannot connect, 1236 GTID not in the primary's binlog)
 * @param lastIoError         {@code Last_IO_Error}, empty when none
 * @param lastSqlErrno        {@code Last_SQL_Errno}
 * @param lastSqlError        {@code Last_SQL_Error}, empty when none
 */
public record ReplicaStatus(String ioState, String ioRunning, String sqlRunning, String masterHost, int masterPort,
        String usingGtid, GtidPosition gtidIoPos, Long secondsBehindMaster, long masterServerId, int lastIoErrno,
        String lastIoError, int lastSqlErrno, String lastSqlError) {

    /** {@code Slave_IO_Running = Yes}: connected to the primary. */
    public boolean isIoRunning() {
        return "Yes".equalsIgnoreCase(ioRunning);
    }

    /** {@code Slave_SQL_Running = Yes}: applying the relay log. */
    public boolean isSqlRunning() {
        return "Yes".equalsIgnoreCase(sqlRunning);
    }

    /** {@code Master_Host:Master_Port}. */
    public InetSocketAddress masterAddress() {
        return new InetSocketAddress(masterHost, masterPort); // an IP literal: no lookup
    }
}
