package io.nines.core.idempotency;

import io.nines.core.Clock;
import io.nines.core.idempotency.internal.OutcomePayload;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLIntegrityConstraintViolationException;
import java.sql.Statement;
import java.time.Duration;
import java.util.regex.Pattern;
import javax.sql.DataSource;

/**
 * An {@link IdempotencyStore} in a SQL table, shared by every instance that uses the same database.
 * Written for MariaDB/MySQL ({@link #createTableDdl()}); the statements themselves are plain SQL.
 *
 * <p>{@code begin} is an {@code INSERT} (the primary key lets exactly one of concurrent callers in);
 * a caller that finds an expired record takes it over with an {@code UPDATE} conditioned on the state,
 * owner and expiry it read, so of two takers only one matches. Every statement runs in its own
 * transaction. Expiry times are wall-clock milliseconds from this process's {@link Clock}: keep the
 * instances' clocks synchronised (NTP), since skew shifts when a lease counts as expired.
 *
 * <p>Keys are stored as their UTF-8 bytes ({@code VARBINARY(255)}, compared exactly) and may not be
 * longer than 255 bytes. Expired rows are replaced when their key is used again; {@link #purgeExpired}
 * deletes the others (run it from time to time).
 */
public final class JdbcIdempotencyStore implements IdempotencyStore {

    /** A table name, optionally qualified by a schema: letters, digits, underscores. */
    private static final Pattern TABLE = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,63}(\\.[A-Za-z_][A-Za-z0-9_]{0,63})?");
    private static final int MAX_KEY_BYTES = 255;
    private static final int MAX_OWNER_CHARS = 64;
    private static final int MAX_ROUNDS = 20;
    private static final String IN_PROGRESS = "P";
    private static final String COMPLETED = "C";

    private final DataSource dataSource;
    private final String table;
    private final OutcomeCodec codec;
    private final Clock clock;

    private final String insertSql;
    private final String selectSql;
    private final String takeOverSql;
    private final String completeSql;
    private final String ownerStateSql;
    private final String releaseSql;

    /** A store in {@code table}, with Java serialization for outcomes and the system clock. */
    public JdbcIdempotencyStore(DataSource dataSource, String table) {
        this(dataSource, table, OutcomeCodec.javaSerialization(), Clock.system());
    }

    public JdbcIdempotencyStore(DataSource dataSource, String table, OutcomeCodec codec, Clock clock) {
        if (dataSource == null || codec == null || clock == null) {
            throw new IllegalArgumentException("dataSource, codec and clock must be set");
        }
        if (table == null || !TABLE.matcher(table).matches()) {
            throw new IllegalArgumentException("table must be a plain SQL name ([schema.]name, letters, digits, _): " + table);
        }
        this.dataSource = dataSource;
        this.table = table;
        this.codec = codec;
        this.clock = clock;
        insertSql = "INSERT INTO " + table + " (idem_key, state, owner, expires_at, outcome) VALUES (?, ?, ?, ?, ?)";
        selectSql = "SELECT state, owner, expires_at, outcome FROM " + table + " WHERE idem_key = ?";
        takeOverSql = "UPDATE " + table + " SET state = 'P', owner = ?, expires_at = ?, outcome = NULL"
                + " WHERE idem_key = ? AND state = ? AND owner = ? AND expires_at = ?";
        completeSql = "UPDATE " + table + " SET state = 'C', expires_at = ?, outcome = ?"
                + " WHERE idem_key = ? AND state = 'P' AND owner = ?";
        ownerStateSql = "SELECT state, owner FROM " + table + " WHERE idem_key = ?";
        releaseSql = "DELETE FROM " + table + " WHERE idem_key = ? AND state = 'P' AND owner = ?";
    }

    /** The table name. */
    public String table() {
        return table;
    }

    /** {@code CREATE TABLE IF NOT EXISTS} for MariaDB/MySQL (InnoDB). */
    public String createTableDdl() {
        return "CREATE TABLE IF NOT EXISTS " + table + " (\n"
                + "  idem_key   VARBINARY(255) NOT NULL PRIMARY KEY,\n"
                + "  state      CHAR(1)        NOT NULL,   -- P in progress, C completed\n"
                + "  owner      VARCHAR(64)    NOT NULL,   -- token of the execution holding or having completed the key\n"
                + "  expires_at BIGINT         NOT NULL,   -- epoch ms: end of the lease (P) or of the retention (C)\n"
                + "  outcome    LONGBLOB       NULL,       -- recorded outcome (C)\n"
                + "  KEY ix_" + table.replace('.', '_') + "_expires (expires_at)\n"
                + ") ENGINE=InnoDB";
    }

    /** Runs {@link #createTableDdl()}; harmless if the table exists. */
    public void createTable() {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            s.execute(createTableDdl());
            commitIfNeeded(c);
        } catch (SQLException e) {
            throw new IdempotencyStoreException("cannot create idempotency table " + table, e);
        }
    }

    @Override
    public BeginResult begin(String key, String owner, Duration lease) {
        byte[] k = keyBytes(key);
        checkOwner(owner);
        SQLException last = null;
        for (int round = 0; round < MAX_ROUNDS; round++) {
            long now = clock.currentTimeMillis();
            long expiresAt = now + lease.toMillis();
            try (Connection c = dataSource.getConnection()) {
                if (insert(c, k, IN_PROGRESS, owner, expiresAt, null)) {
                    return Acquired.free();
                }
                try (PreparedStatement select = c.prepareStatement(selectSql)) {
                    select.setBytes(1, k);
                    try (ResultSet rs = select.executeQuery()) {
                        if (!rs.next()) {
                            commitIfNeeded(c);
                            continue; // deleted since our insert failed: try again
                        }
                        String state = rs.getString(1);
                        String holder = rs.getString(2);
                        long until = rs.getLong(3);
                        byte[] outcome = rs.getBytes(4);
                        commitIfNeeded(c);
                        if (until > now) {
                            return COMPLETED.equals(state)
                                    ? new Completed(OutcomePayload.decode(codec, outcome))
                                    : new InProgress(holder, until);
                        }
                        if (takeOver(c, k, owner, expiresAt, state, holder, until)) {
                            return IN_PROGRESS.equals(state) ? new Acquired(holder) : Acquired.free();
                        }
                        // another caller took it over first: read again
                    }
                }
            } catch (SQLException e) {
                // A deadlock or lock wait timeout under contention: run the round again.
                if (!isTransient(e)) {
                    throw new IdempotencyStoreException("idempotency begin of key '" + key + "' failed on " + table, e);
                }
                last = e;
            }
        }
        throw new IdempotencyStoreException("idempotency begin of key '" + key + "' did not settle after "
                + MAX_ROUNDS + " rounds on " + table, last);
    }

    @Override
    public boolean complete(String key, String owner, RecordedOutcome outcome, Duration retention) {
        byte[] k = keyBytes(key);
        checkOwner(owner);
        byte[] payload = OutcomePayload.encode(codec, outcome); // before touching the table: may throw
        long expiresAt = clock.currentTimeMillis() + retention.toMillis();
        try (Connection c = dataSource.getConnection()) {
            int updated;
            try (PreparedStatement ps = c.prepareStatement(completeSql)) {
                ps.setLong(1, expiresAt);
                ps.setBytes(2, payload);
                ps.setBytes(3, k);
                ps.setString(4, owner);
                updated = ps.executeUpdate();
            }
            commitIfNeeded(c);
            if (updated == 1) {
                return true;
            }
            // Not our in-progress row: record anyway if the key is free (purged while we ran), and say yes
            // if we completed it already (a retried call whose first reply was lost).
            try (PreparedStatement ps = c.prepareStatement(ownerStateSql)) {
                ps.setBytes(1, k);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        boolean ours = COMPLETED.equals(rs.getString(1)) && owner.equals(rs.getString(2));
                        commitIfNeeded(c);
                        return ours;
                    }
                }
            }
            commitIfNeeded(c);
            return insert(c, k, COMPLETED, owner, expiresAt, payload);
        } catch (SQLException e) {
            throw new IdempotencyStoreException("idempotency complete of key '" + key + "' failed on " + table, e);
        }
    }

    @Override
    public boolean release(String key, String owner) {
        byte[] k = keyBytes(key);
        checkOwner(owner);
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(releaseSql)) {
            ps.setBytes(1, k);
            ps.setString(2, owner);
            int deleted = ps.executeUpdate();
            commitIfNeeded(c);
            return deleted == 1;
        } catch (SQLException e) {
            throw new IdempotencyStoreException("idempotency release of key '" + key + "' failed on " + table, e);
        }
    }

    /** Deletes every expired row; returns how many. */
    public int purgeExpired() {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("DELETE FROM " + table + " WHERE expires_at <= ?")) {
            ps.setLong(1, clock.currentTimeMillis());
            int deleted = ps.executeUpdate();
            commitIfNeeded(c);
            return deleted;
        } catch (SQLException e) {
            throw new IdempotencyStoreException("purging expired idempotency records failed on " + table, e);
        }
    }

    /** Inserts a row; {@code false} when the key exists (duplicate primary key). */
    private boolean insert(Connection c, byte[] k, String state, String owner, long expiresAt, byte[] payload)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(insertSql)) {
            ps.setBytes(1, k);
            ps.setString(2, state);
            ps.setString(3, owner);
            ps.setLong(4, expiresAt);
            ps.setBytes(5, payload);
            ps.executeUpdate();
            commitIfNeeded(c);
            return true;
        } catch (SQLException e) {
            rollbackIfNeeded(c);
            if (isDuplicateKey(e)) {
                return false;
            }
            throw e;
        }
    }

    /** Compare-and-set on the row as it was read: only one of concurrent takers matches it. */
    private boolean takeOver(Connection c, byte[] k, String owner, long expiresAt, String state, String holder,
            long until) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(takeOverSql)) {
            ps.setString(1, owner);
            ps.setLong(2, expiresAt);
            ps.setBytes(3, k);
            ps.setString(4, state);
            ps.setString(5, holder);
            ps.setLong(6, until);
            int updated = ps.executeUpdate();
            commitIfNeeded(c);
            return updated == 1;
        }
    }

    private static boolean isDuplicateKey(SQLException e) {
        // 23000 integrity constraint violation; MySQL/MariaDB 1062 ER_DUP_ENTRY.
        return e instanceof SQLIntegrityConstraintViolationException || e.getErrorCode() == 1062
                || e.getSQLState() != null && e.getSQLState().startsWith("23");
    }

    private static boolean isTransient(SQLException e) {
        // 40001 serialization failure / deadlock (1213), lock wait timeout (1205).
        return "40001".equals(e.getSQLState()) || e.getErrorCode() == 1213 || e.getErrorCode() == 1205;
    }

    /** Statements must not wait in an open transaction when the pool hands out non-auto-commit connections. */
    private static void commitIfNeeded(Connection c) throws SQLException {
        if (!c.getAutoCommit()) {
            c.commit();
        }
    }

    private static void rollbackIfNeeded(Connection c) {
        try {
            if (!c.getAutoCommit()) {
                c.rollback();
            }
        } catch (SQLException ignored) {
            // the original error is what matters
        }
    }

    private static byte[] keyBytes(String key) {
        if (key == null || key.isEmpty()) {
            throw new IllegalArgumentException("an idempotency key must be a non-empty string");
        }
        byte[] k = key.getBytes(StandardCharsets.UTF_8);
        if (k.length > MAX_KEY_BYTES) {
            throw new IllegalArgumentException("an idempotency key may have at most " + MAX_KEY_BYTES
                    + " UTF-8 bytes, was " + k.length);
        }
        return k;
    }

    private static void checkOwner(String owner) {
        InMemoryIdempotencyStore.checkOwner(owner);
        if (owner.length() > MAX_OWNER_CHARS) {
            throw new IllegalArgumentException("an owner token may have at most " + MAX_OWNER_CHARS + " characters");
        }
    }
}
