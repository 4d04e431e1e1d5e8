package io.nines.failover;

import io.nines.testkit.mariadb.MariaDbNode;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.HashSet;
import java.util.Set;

/** Small SQL helpers of the tests. */
final class Sql {

    private Sql() {
    }

    /** Inserts {@code count} rows as the application user; returns their ids (all acknowledged). */
    static Set<Long> insert(MariaDbNode primary, long firstId, int count) throws Exception {
        Set<Long> ids = new HashSet<>();
        try (Connection c = primary.connectAs("app", "app"); Statement s = c.createStatement()) {
            for (long id = firstId; id < firstId + count; id++) {
                s.executeUpdate("INSERT INTO t (id, writer) VALUES (" + id + ", 0)");
                ids.add(id);
            }
        }
        return ids;
    }

    static Set<Long> ids(MariaDbNode node) throws Exception {
        Set<Long> ids = new HashSet<>();
        try (Connection c = node.connect("app"); Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT id FROM t")) {
            while (rs.next()) {
                ids.add(rs.getLong(1));
            }
        }
        return ids;
    }
}
