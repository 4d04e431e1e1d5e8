package io.nines.failover;

import io.nines.mariadb.GtidPosition;

/**
 * The global variables and status of a MariaDB server that the manager reads at every probe.
 *
 * @param serverId              {@code server_id}
 * @param readOnly              {@code read_only}
 * @param gtidCurrentPos        {@code gtid_current_pos}
 * @param gtidBinlogPos         {@code gtid_binlog_pos}
 * @param gtidBinlogState       {@code gtid_binlog_state} (errant-transaction checks)
 * @param gtidSlavePos          {@code gtid_slave_pos}
 * @param gtidStrictMode        {@code gtid_strict_mode}
 * @param logBin                {@code log_bin}
 * @param logSlaveUpdates       {@code log_slave_updates}
 * @param semiSyncMasterEnabled {@code rpl_semi_sync_master_enabled}
 * @param semiSyncSlaveEnabled  {@code rpl_semi_sync_slave_enabled}
 * @param semiSyncWaitPoint     {@code rpl_semi_sync_master_wait_point}
 * @param semiSyncTimeoutMillis {@code rpl_semi_sync_master_timeout}
 * @param semiSyncWaitNoSlave   {@code rpl_semi_sync_master_wait_no_slave}: commits wait for the timeout even with no
 *                              acknowledging replica connected
 * @param semiSyncMasterStatus  status {@code Rpl_semi_sync_master_status}: semi-sync active (not fallen back to async)
 * @param semiSyncMasterClients status {@code Rpl_semi_sync_master_clients}
 * @param semiSyncSlaveStatus   status {@code Rpl_semi_sync_slave_status}: this replica acknowledges
 * @param version               {@code version}
 */
public record NodeVariables(long serverId, boolean readOnly, GtidPosition gtidCurrentPos, GtidPosition gtidBinlogPos,
                            GtidPosition gtidBinlogState, GtidPosition gtidSlavePos, boolean gtidStrictMode,
                            boolean logBin, boolean logSlaveUpdates, boolean semiSyncMasterEnabled,
                            boolean semiSyncSlaveEnabled, String semiSyncWaitPoint, long semiSyncTimeoutMillis,
                            boolean semiSyncWaitNoSlave,
                            boolean semiSyncMasterStatus, int semiSyncMasterClients, boolean semiSyncSlaveStatus,
                            String version) {
}
