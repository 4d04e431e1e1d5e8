package io.nines.jdbc;

import com.zaxxer.hikari.HikariConfig;
import io.nines.core.Clock;
import io.nines.core.event.EventPublisher;
import io.nines.jdbc.NinesConnection.Purpose;
import io.nines.jdbc.internal.ClusterRouter;
import io.nines.jdbc.island.IslandGuard;
import io.nines.topology.ClusterTopology;
import io.nines.topology.Endpoint;
import io.nines.topology.TopologyStore;
import io.nines.topology.TopologyView;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * A topology-aware {@link DataSource} for one MariaDB cluster (DESIGN §1, §5, §6): one HikariCP pool per endpoint,
 * created and closed as the topology changes.
 *
 * <pre>{@code
 * // writes: the primary of the current epoch
 * try (Connection c = orders.getConnection()) { ... }
 *
 * // reads: a healthy replica whose lag is within maxReplicaLag (local zone first), else the primary; read-only
 * try (Connection c = orders.replicas().getConnection()) { ... }
 *
 * // guarded writes (balance deductions): refused with IslandFencedSQLException while this zone is an island
 * long left = orders.inGuardedTransaction(c -> debit(c, account, amount));   // commit checked, rollback on failure
 * try (Connection c = orders.getGuardedConnection()) { ... }                 // or by hand: checked at borrow,
 *                                                                             // before each statement and commit
 * new JdbcTemplate(orders.guarded());                                         // or a DataSource for a framework
 * }</pre>
 *
 * <p><b>Failover.</b> When a newer epoch replaces the primary (or fences any endpoint), new connections go to the new
 * primary at once, and connections already borrowed from the old one are revoked: their socket is aborted (a
 * statement in flight fails now) and every later call fails with {@link FailoverInProgressException}, as does a borrow
 * while no writable primary is published. Both are {@link java.sql.SQLTransientConnectionException}s: retry (with an
 * idempotency key for non-idempotent work). A lower epoch is never applied.
 *
 * <p><b>Island guard.</b> Guarded connections ask the {@link IslandGuard} before anything that may write or commit; a
 * transaction begun before an island is declared cannot commit after it (it is rolled back and refused). Unguarded
 * connections (reads, and writes that are safe to accept) keep working from the cached topology during an island.
 * After an island clears, guarded work resumes only once the topology has been read again from the store.
 */
public final class NinesDataSource implements DataSource, AutoCloseable {

    private final NinesDataSourceConfig config;
    private final ClusterRouter router;
    private final EventPublisher<NinesDataSourceEvent> events = new EventPublisher<>();
    private final DataSource guardedView = new View(Purpose.GUARDED);
    private final DataSource replicasView = new View(Purpose.READ);
    private volatile PrintWriter logWriter;

    NinesDataSource(NinesDataSourceConfig config, TopologyStore store, TopologyView view, IslandGuard guard,
                    boolean ownsGuard, ReplicaLagProbe lagProbe, Consumer<? super HikariConfig> hikari, Clock clock) {
        this.config = config;
        this.router = new ClusterRouter(config, store, view, guard, ownsGuard, lagProbe, hikari, clock, events);
    }

    /** Starts building a data source for the topology cluster {@code cluster}. */
    public static NinesDataSourceBuilder builder(String cluster) {
        return new NinesDataSourceBuilder(cluster);
    }

    public String name() {
        return config.cluster();
    }

    public NinesDataSourceConfig config() {
        return config;
    }

    // ------------------------------------------------------------------ connections

    /**
     * A connection to the current primary ({@link Purpose#WRITE}). Waits up to {@code connectionTimeout} for the first
     * topology, and for a pooled connection.
     *
     * @throws FailoverInProgressException when no writable primary is published ({@code 08N01})
     */
    @Override
    public Connection getConnection() throws SQLException {
        return router.borrow(Purpose.WRITE);
    }

    /**
     * A guarded connection to the current primary: as {@link #getConnection()}, and the island guard is asked when
     * it is borrowed, before every statement and before every commit.
     *
     * @throws IslandFencedSQLException while this zone is an island ({@code NI001}): retry in another zone
     * @throws IllegalStateException    when no island guard is configured
     */
    public Connection getGuardedConnection() throws SQLException {
        return router.borrow(Purpose.GUARDED);
    }

    /**
     * A read-only connection to a healthy replica within {@code maxReplicaLag} (local zone first when preferred,
     * weighted by endpoint weight), or to the primary when there is none.
     */
    public Connection getReadConnection() throws SQLException {
        return router.borrow(Purpose.READ);
    }

    /** Credentials are fixed per data source. */
    @Override
    public Connection getConnection(String username, String password) throws SQLException {
        throw new SQLFeatureNotSupportedException("NinesDataSource uses the credentials it was built with");
    }

    /** This data source as one whose {@code getConnection()} returns guarded connections (for frameworks). */
    public DataSource guarded() {
        return guardedView;
    }

    /** This data source as one whose {@code getConnection()} returns read connections (for frameworks). */
    public DataSource replicas() {
        return replicasView;
    }

    // ------------------------------------------------------------------ transactions

    /**
     * Runs {@code work} in a transaction on the primary and commits it; rolls back and rethrows if it throws.
     *
     * @return what {@code work} returned
     */
    public <T, X extends Exception> T inTransaction(ConnectionCallback<T, X> work) throws SQLException, X {
        return transaction(Purpose.WRITE, work);
    }

    /** {@link #inTransaction} for work that returns nothing. */
    public <X extends Exception> void useTransaction(ConnectionConsumer<X> work) throws SQLException, X {
        transaction(Purpose.WRITE, c -> {
            work.useConnection(c);
            return null;
        });
    }

    /**
     * Runs {@code work} in a guarded transaction: refused before it starts, at any statement and at the commit while
     * this zone is an island, in which case nothing is committed.
     *
     * @throws IslandFencedSQLException when refused by the island guard: retry in another zone
     */
    public <T, X extends Exception> T inGuardedTransaction(ConnectionCallback<T, X> work) throws SQLException, X {
        return transaction(Purpose.GUARDED, work);
    }

    /** {@link #inGuardedTransaction} for work that returns nothing. */
    public <X extends Exception> void useGuardedTransaction(ConnectionConsumer<X> work) throws SQLException, X {
        transaction(Purpose.GUARDED, c -> {
            work.useConnection(c);
            return null;
        });
    }

    private <T, X extends Exception> T transaction(Purpose purpose, ConnectionCallback<T, X> work)
            throws SQLException, X {
        try (Connection c = router.borrow(purpose)) {
            c.setAutoCommit(false);
            T result;
            try {
                result = work.withConnection(c);
            } catch (Throwable t) {
                try {
                    c.rollback();
                } catch (SQLException | RuntimeException e) {
                    t.addSuppressed(e);
                }
                throw t;
            }
            c.commit();
            return result;
        }
    }

    // ------------------------------------------------------------------ state

    /** The island guard guarded connections ask, or {@code null}; use it as a pipeline's outer gate too. */
    public IslandGuard islandGuard() {
        return router.guard();
    }

    /** The topology in use (the highest epoch seen), if any yet. */
    public Optional<ClusterTopology> topology() {
        return router.topology();
    }

    /** The epoch in use, or -1 before the first topology. */
    public long epoch() {
        return router.epoch();
    }

    /** The replicas that get reads now (healthy and within the lag bound). */
    public List<Endpoint> healthyReplicas() {
        return router.healthyReplicas();
    }

    public EventPublisher<NinesDataSourceEvent> events() {
        return events;
    }

    /** Stops following the topology and closes every pool (borrowed connections are aborted). */
    @Override
    public void close() {
        router.close();
    }

    @Override
    public String toString() {
        return router.toString();
    }

    // ------------------------------------------------------------------ DataSource boilerplate

    @Override
    public PrintWriter getLogWriter() {
        return logWriter;
    }

    @Override
    public void setLogWriter(PrintWriter out) {
        this.logWriter = out;
    }

    /** Not used: each pool waits {@code connectionTimeout}. */
    @Override
    public void setLoginTimeout(int seconds) throws SQLException {
        throw new SQLFeatureNotSupportedException("set connectionTimeout on the builder");
    }

    @Override
    public int getLoginTimeout() {
        return (int) Math.max(1, config.connectionTimeout().toSeconds());
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        throw new SQLFeatureNotSupportedException("NinesDataSource logs through SLF4J");
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
        if (iface.isInstance(this)) {
            return iface.cast(this);
        }
        throw new SQLException("NinesDataSource is not a " + iface.getName());
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) {
        return iface.isInstance(this);
    }

    /** {@link #guarded()} and {@link #replicas()}. */
    private final class View implements DataSource {

        private final Purpose purpose;

        View(Purpose purpose) {
            this.purpose = purpose;
        }

        @Override
        public Connection getConnection() throws SQLException {
            return router.borrow(purpose);
        }

        @Override
        public Connection getConnection(String username, String password) throws SQLException {
            return NinesDataSource.this.getConnection(username, password);
        }

        @Override
        public PrintWriter getLogWriter() {
            return NinesDataSource.this.getLogWriter();
        }

        @Override
        public void setLogWriter(PrintWriter out) {
            NinesDataSource.this.setLogWriter(out);
        }

        @Override
        public void setLoginTimeout(int seconds) throws SQLException {
            NinesDataSource.this.setLoginTimeout(seconds);
        }

        @Override
        public int getLoginTimeout() {
            return NinesDataSource.this.getLoginTimeout();
        }

        @Override
        public Logger getParentLogger() throws SQLFeatureNotSupportedException {
            return NinesDataSource.this.getParentLogger();
        }

        /** Unwraps to the {@link NinesDataSource} too. */
        @Override
        public <T> T unwrap(Class<T> iface) throws SQLException {
            if (iface.isInstance(this)) {
                return iface.cast(this);
            }
            return NinesDataSource.this.unwrap(iface);
        }

        @Override
        public boolean isWrapperFor(Class<?> iface) {
            return iface.isInstance(this) || NinesDataSource.this.isWrapperFor(iface);
        }

        @Override
        public String toString() {
            return NinesDataSource.this + (purpose == Purpose.GUARDED ? ".guarded()" : ".replicas()");
        }
    }
}
