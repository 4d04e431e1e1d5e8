package io.nines.core.idempotency;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nines.core.Clock;
import io.nines.core.idempotency.IdempotencyStore.Acquired;
import io.nines.core.idempotency.IdempotencyStore.Completed;
import io.nines.testkit.EmbeddedMariaDb;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.mariadb.jdbc.MariaDbPoolDataSource;

/** The contract on a real MariaDB 10.11 (started once for the class). */
class JdbcIdempotencyStoreTest extends IdempotencyStoreContract {

    private static EmbeddedMariaDb db;
    private static MariaDbPoolDataSource dataSource;
    private static JdbcIdempotencyStore store;

    @BeforeAll
    static void startMariaDb() throws Exception {
        db = EmbeddedMariaDb.start();
        db.createDatabase("idem");
        dataSource = new MariaDbPoolDataSource(db.jdbcUrl("idem") + "?user=" + db.user() + "&maxPoolSize=24");
        store = new JdbcIdempotencyStore(dataSource, "idempotency");
        store.createTable();
    }

    @AfterAll
    static void stopMariaDb() {
        if (dataSource != null) {
            dataSource.close();
        }
        if (db != null) {
            db.close();
        }
    }

    @Override
    IdempotencyStore store() {
        return store;
    }

    @Override
    Clock clock() {
        return Clock.system();
    }

    @Override
    void elapse(Duration d) {
        // real time passes while the tests wait
    }

    @Override
    Duration lease() {
        return Duration.ofMillis(400);
    }

    @Override
    boolean reportsPreviousOwner() {
        return true;
    }

    @Test
    void createTableIsIdempotentAndMakesTheDocumentedColumns() throws Exception {
        store.createTable();
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT column_name FROM information_schema.columns"
                     + " WHERE table_schema = 'idem' AND table_name = 'idempotency' ORDER BY ordinal_position")) {
            StringBuilder columns = new StringBuilder();
            while (rs.next()) {
                columns.append(rs.getString(1)).append(' ');
            }
            assertThat(columns.toString().trim()).isEqualTo("idem_key state owner expires_at outcome");
        }
    }

    @Test
    void keysAreComparedExactly() {
        String base = newKey();
        assertThat(store.begin(base + "a", "o1", Duration.ofMinutes(1))).isInstanceOf(Acquired.class);
        assertThat(store.begin(base + "A", "o2", Duration.ofMinutes(1))).as("case matters").isInstanceOf(Acquired.class);
        assertThat(store.begin(base + "a ", "o3", Duration.ofMinutes(1))).as("trailing space matters")
                .isInstanceOf(Acquired.class);
    }

    @Test
    void aResultThatIsNotSerializableFailsClearlyAndReleasesTheKey() throws Exception {
        Idempotency idem = policy(store).build();
        String key = newKey();
        assertThatThrownBy(() -> idem.execute(key, () -> new Object()))
                .isInstanceOf(OutcomeCodecException.class)
                .hasMessageContaining("java.lang.Object")
                .hasMessageContaining("not java.io.Serializable");
        assertThat(store.begin(key, "next", Duration.ofMinutes(1))).isInstanceOf(Acquired.class);
    }

    @Test
    void outcomesSurviveTheRoundTripThroughTheTable() {
        String key = newKey();
        store.begin(key, "o", Duration.ofMinutes(1));
        java.util.List<Integer> value = java.util.List.of(1, 2, 3);
        assertThat(store.complete(key, "o", RecordedOutcome.value(value), Duration.ofMinutes(1))).isTrue();
        assertThat(store.begin(key, "p", Duration.ofMinutes(1))).isInstanceOfSatisfying(Completed.class,
                c -> assertThat(((RecordedOutcome.Value) c.outcome()).value()).isEqualTo(value));
    }

    @Test
    void purgeDeletesExpiredRows() throws Exception {
        JdbcIdempotencyStore purging = new JdbcIdempotencyStore(dataSource, "idem_purge",
                OutcomeCodec.javaSerialization(), Clock.system());
        purging.createTable();
        purging.begin("gone", "o", Duration.ofMillis(1));
        purging.begin("kept", "o", Duration.ofMinutes(1));
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> purging.purgeExpired() == 1);
        assertThat(purging.begin("kept", "p", Duration.ofMinutes(1))).isInstanceOf(IdempotencyStore.InProgress.class);
        assertThat(purging.begin("gone", "p", Duration.ofMinutes(1))).isInstanceOf(Acquired.class);
    }

    @Test
    void refusesBadTableNamesAndOverlongKeys() {
        assertThatThrownBy(() -> new JdbcIdempotencyStore(dataSource, "t; DROP TABLE x"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.begin("k".repeat(256), "o", Duration.ofMinutes(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("255");
    }

    @Test
    void aMissingTableIsAStoreError() {
        JdbcIdempotencyStore missing = new JdbcIdempotencyStore(dataSource, "no_such_table");
        assertThatThrownBy(() -> missing.begin("k", "o", Duration.ofMinutes(1)))
                .isInstanceOf(IdempotencyStoreException.class)
                .hasMessageContaining("no_such_table");
    }
}
