package io.nines.jdbc;

import io.nines.jdbc.internal.SecondsBehindMaster;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Optional;

/**
 * Measures how far a replica is behind its primary. A {@link NinesDataSource} runs it on every replica every
 * {@code replicaCheckInterval}; a replica gets reads only while the answer is present and at most
 * {@code maxReplicaLag}. Plug in your own to measure lag another way (e.g. a pt-heartbeat table).
 */
@FunctionalInterface
public interface ReplicaLagProbe {

    /**
     * The replica's lag, or empty when it cannot be known (replication stopped, broken, or not configured): such a
     * replica gets no reads.
     *
     * @param replica a connection to the replica (from its pool; do not close it, do not keep it)
     */
    Optional<Duration> lag(Connection replica) throws SQLException;

    /**
     * {@code SHOW SLAVE STATUS}: both replication threads running ({@code Slave_IO_Running} and
     * {@code Slave_SQL_Running} = {@code Yes}) and {@code Seconds_Behind_Master} not NULL; the lag is that value (whole
     * seconds). The data source's user needs the {@code SLAVE MONITOR} privilege (alias {@code REPLICA MONITOR}, MariaDB
     * 10.5.9+; {@code REPLICATION CLIENT} before) or {@code SUPER}; without it every replica counts as unhealthy (the
     * probe's "Access denied" is logged and published) and reads go to the primary.
     */
    static ReplicaLagProbe secondsBehindMaster() {
        return SecondsBehindMaster.INSTANCE;
    }
}
