package io.nines.jdbc.internal;

import io.nines.jdbc.ReplicaLagProbe;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Optional;

/** {@link ReplicaLagProbe#secondsBehindMaster()}. */
public enum SecondsBehindMaster implements ReplicaLagProbe {
    INSTANCE;

    @Override
    public Optional<Duration> lag(Connection replica) throws SQLException {
        try (Statement st = replica.createStatement(); ResultSet rs = st.executeQuery("SHOW SLAVE STATUS")) {
            if (!rs.next()) {
                return Optional.empty(); // not a replica at all
            }
            if (!"Yes".equalsIgnoreCase(rs.getString("Slave_IO_Running"))
                    || !"Yes".equalsIgnoreCase(rs.getString("Slave_SQL_Running"))) {
                return Optional.empty();
            }
            long seconds = rs.getLong("Seconds_Behind_Master");
            return rs.wasNull() ? Optional.empty() : Optional.of(Duration.ofSeconds(seconds));
        }
    }

    @Override
    public String toString() {
        return "ReplicaLagProbe.secondsBehindMaster";
    }
}
