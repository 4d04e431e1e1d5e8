package io.nines.failover.internal;

import io.nines.mariadb.GtidPosition;
import io.nines.failover.NodeVariables;
import io.nines.failover.ReplicaStatus;

/** Probe results as a MariaDB 10.11 node would report them, for the pure decision logic. */
final class Fixtures {

    private Fixtures() {
    }

    static NodeVariables vars(long serverId, String slavePos, String binlogState) {
        return new NodeVariables(serverId, true, GtidPosition.parse(slavePos), GtidPosition.parse(slavePos),
                GtidPosition.parse(binlogState), GtidPosition.parse(slavePos), true, true, true, false, true,
                "AFTER_SYNC", 30_000, true, false, 0, true, "10.11.5-MariaDB-log");
    }

    static ReplicaStatus replica(String io, int ioErrno, long masterServerId, String ioPos, long readPos, long heartbeats) {
        return new ReplicaStatus(io, "Yes", "", "127.0.0.1", 3306, masterServerId, "Slave_Pos", GtidPosition.parse(ioPos),
                0L, ioErrno, ioErrno == 0 ? "" : "error reconnecting to master", 0, "", "mariadb-bin.000001", readPos,
                heartbeats, 0.25);
    }

    static ReplicaStatus healthy(long masterServerId, String ioPos) {
        return replica("Yes", 0, masterServerId, ioPos, 1000, 10);
    }
}
