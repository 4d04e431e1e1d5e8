package io.nines.jdbc.internal;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.nines.core.Clock;
import io.nines.core.IslandFencedException;
import io.nines.core.event.EventPublisher;
import io.nines.core.event.EventPublisher.Subscription;
import io.nines.jdbc.FailoverInProgressException;
import io.nines.jdbc.IslandFencedSQLException;
import io.nines.jdbc.NinesConnection.Purpose;
import io.nines.jdbc.NinesDataSourceConfig;
import io.nines.jdbc.NinesDataSourceEvent;
import io.nines.jdbc.ReplicaLagProbe;
import io.nines.jdbc.island.IslandGuard;
import io.nines.jdbc.island.IslandGuardEvent;
import io.nines.topology.ClusterTopology;
import io.nines.topology.Endpoint;
import io.nines.topology.TopologyStore;
import io.nines.topology.TopologyView;
import java.net.InetSocketAddress;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The machinery behind {@code NinesDataSource}: follows the topology, keeps one HikariCP pool per endpoint, routes
 * borrows, revokes connections an epoch took away, measures replica lag, and applies the island guard to guarded
 * connections.
 *
 * <p>Threads: topologies arrive on the store's event thread and are applied under a lock (off the borrow path,
 * which reads one volatile {@link Routing}); replica probes, pool closes and the post-island resync run on virtual
 * threads started by a one-thread ticker.
 */
public final class ClusterRouter implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ClusterRouter.class);
    private static final long RESYNC_RETRY_MILLIS = 250;

    private final NinesDataSourceConfig config;
    private final String cluster;
    private final TopologyStore store;
    private final TopologyView view;
    private final boolean ownsView;
    private final IslandGuard guard;
    private final boolean ownsGuard;
    private final ReplicaLagProbe lagProbe;
    private final Consumer<? super HikariConfig> hikariCustomizer;
    private final Clock clock;
    private final EventPublisher<NinesDataSourceEvent> events;

    private final ReentrantLock applyLock = new ReentrantLock(); // topology changes and pool creation
    private final Map<String, EndpointPool> pools = new ConcurrentHashMap<>();
    private final Map<String, ReplicaHealth> health = new ConcurrentHashMap<>();
    private final Set<String> probing = ConcurrentHashMap.newKeySet();
    private final CountDownLatch firstTopology = new CountDownLatch(1);
    private final ScheduledThreadPoolExecutor ticker;
    private final long staleHealthNanos;
    private volatile Routing routing;
    private volatile boolean closed;

    // Island bookkeeping: every declared island must be followed by a topology read from the store before guarded
    // work resumes (a failover may have happened elsewhere while this zone was cut off).
    private final AtomicLong islands = new AtomicLong();
    private volatile long resyncedIslands;
    private final AtomicBoolean resyncRunning = new AtomicBoolean();

    private final Subscription topologySubscription;
    private final Subscription guardSubscription;

    public ClusterRouter(NinesDataSourceConfig config, TopologyStore store, TopologyView view, IslandGuard guard,
                         boolean ownsGuard, ReplicaLagProbe lagProbe, Consumer<? super HikariConfig> hikariCustomizer,
                         Clock clock, EventPublisher<NinesDataSourceEvent> events) {
        this.config = config;
        this.cluster = config.cluster();
        this.store = store;
        this.ownsView = view == null;
        this.view = view != null ? view : store.view(cluster);
        this.guard = guard;
        this.ownsGuard = ownsGuard;
        this.lagProbe = lagProbe;
        this.hikariCustomizer = hikariCustomizer;
        this.clock = clock;
        this.events = events;
        this.staleHealthNanos = config.replicaCheckInterval().multipliedBy(3).plus(config.connectionTimeout()).toNanos();
        this.ticker = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "nines-jdbc-" + cluster);
            t.setDaemon(true);
            return t;
        });
        ticker.setRemoveOnCancelPolicy(true);
        if (guard != null) {
            guardSubscription = guard.events().subscribe(this::onGuardEvent);
            if (store != null && guard.state() == IslandGuard.State.ISLAND) {
                islands.incrementAndGet();
                startResync();
            }
        } else {
            guardSubscription = () -> { };
        }
        topologySubscription = this.view.listen(this::apply);
        long interval = config.replicaCheckInterval().toNanos();
        ticker.scheduleWithFixedDelay(this::probeReplicas, interval, interval, TimeUnit.NANOSECONDS);
    }

    public String cluster() {
        return cluster;
    }

    public long epoch() {
        Routing r = routing;
        return r == null ? -1 : r.epoch();
    }

    public Optional<ClusterTopology> topology() {
        Routing r = routing;
        return r == null ? Optional.empty() : Optional.of(r.topology());
    }

    public IslandGuard guard() {
        return guard;
    }

    // ------------------------------------------------------------------ topology

    private void apply(ClusterTopology t) {
        List<EndpointPool> retiring = new ArrayList<>();
        applyLock.lock();
        try {
            if (closed) {
                return;
            }
            Routing old = routing;
            if (old != null && !t.supersedes(old.topology())) {
                return;
            }
            for (EndpointPool p : pools.values()) {
                Endpoint now = t.endpoint(p.id()).orElse(null);
                String why = now == null ? "removed from the topology at epoch " + t.epoch()
                        : now.isFenced() ? now.state().name().toLowerCase() + " at epoch " + t.epoch()
                        : !sameAddress(now, p.endpoint()) ? "moved to " + now.address() + " at epoch " + t.epoch()
                        : null;
                if (why != null) {
                    p.markRetired(why);
                    pools.remove(p.id(), p);
                    retiring.add(p);
                }
            }
            Endpoint primary = t.primary().filter(Endpoint::isUp).orElse(null);
            EndpointPool primaryPool = primary == null ? null : poolLocked(primary);
            List<Endpoint> replicas = t.replicas().stream().filter(e -> e.isUp() && e.weight() > 0).toList();
            routing = new Routing(t, primaryPool, replicas); // new borrows go here from now on

            // Then take away what the new epoch took away. A borrower racing with this sees the new routing (or the
            // retired mark) when it re-checks after registering its connection.
            for (EndpointPool p : retiring) {
                p.wakeBorrowers();
                int n = p.revoke(h -> true, p.retiredBecause());
                revoked(p, n, t.epoch(), p.retiredBecause());
                Thread.ofVirtual().name("nines-jdbc-close " + p.id()).start(p::close);
            }
            EndpointPool oldPrimary = old == null ? null : old.primary();
            if (oldPrimary != null && oldPrimary != primaryPool && !oldPrimary.retired()) {
                String why = "no longer the primary at epoch " + t.epoch()
                        + (primary == null ? " (none now)" : " (now " + primary.id() + ")");
                oldPrimary.wakeBorrowers();
                int n = oldPrimary.revoke(h -> h.purpose() != Purpose.READ, why);
                revoked(oldPrimary, n, t.epoch(), why);
            }
            Set<String> replicaIds = ConcurrentHashMap.newKeySet();
            replicas.forEach(e -> replicaIds.add(e.id()));
            health.keySet().retainAll(replicaIds);
            if (old == null || old.primary() != primaryPool || !old.replicas().equals(replicas)) {
                LOG.info("{}: epoch {}: primary {}, replicas {}", cluster, t.epoch(),
                        primary == null ? "none" : primary.id() + " " + primary.address(),
                        replicas.stream().map(Endpoint::id).toList());
            }
            if (events.hasListeners()) {
                events.publish(new NinesDataSourceEvent.TopologyApplied(cluster, t.epoch(),
                        primary == null ? null : primary.id(), replicas.stream().map(Endpoint::id).toList(),
                        clock.currentTimeMillis()));
            }
        } finally {
            applyLock.unlock();
        }
        firstTopology.countDown();
        if (!closed) {
            ticker.execute(this::probeReplicas); // new replicas get reads as soon as they prove healthy
        }
    }

    private void revoked(EndpointPool p, int n, long epoch, String why) {
        if (n > 0) {
            LOG.warn("{}: revoked {} borrowed connection(s) to {} ({}): {}", cluster, n, p.id(),
                    p.endpoint().address(), why);
        }
        if (events.hasListeners()) {
            events.publish(new NinesDataSourceEvent.ConnectionsRevoked(cluster, p.id(), epoch, n, why,
                    clock.currentTimeMillis()));
        }
    }

    private static boolean sameAddress(Endpoint a, Endpoint b) {
        return a.host().equals(b.host()) && a.port() == b.port();
    }

    /** The endpoint's pool, created if needed; holds {@link #applyLock}. */
    private EndpointPool poolLocked(Endpoint e) {
        EndpointPool p = pools.get(e.id());
        if (p != null && !p.retired()) {
            return p;
        }
        p = new EndpointPool(e, newHikari(e));
        pools.put(e.id(), p);
        return p;
    }

    /** A replica's pool for the prober; null if the endpoint is no longer a replica of the current routing. */
    private EndpointPool replicaPool(Endpoint e) {
        EndpointPool p = pools.get(e.id());
        if (p != null && !p.retired()) {
            return p;
        }
        applyLock.lock();
        try {
            Routing r = routing;
            if (closed || r == null || !r.replicas().contains(e)) {
                return null;
            }
            return poolLocked(e);
        } finally {
            applyLock.unlock();
        }
    }

    private HikariDataSource newHikari(Endpoint e) {
        HikariConfig hc = new HikariConfig();
        hc.setPoolName("nines-" + cluster + "-" + e.id());
        hc.setDriverClassName("org.mariadb.jdbc.Driver");
        InetSocketAddress at = config.connectAddress().apply(e);
        hc.setJdbcUrl("jdbc:mariadb://" + at.getHostString() + ":" + at.getPort() + "/"
                + (config.database() == null ? "" : config.database()));
        hc.setUsername(config.user());
        hc.setPassword(config.password());
        hc.addDataSourceProperty("connectTimeout", String.valueOf(config.connectionTimeout().toMillis()));
        config.jdbcProperties().forEach(hc::addDataSourceProperty);
        hc.setMaximumPoolSize(config.poolSize());
        hc.setMinimumIdle(config.minIdle());
        hc.setConnectionTimeout(config.connectionTimeout().toMillis());
        hc.setValidationTimeout(Math.max(250, Math.min(1_000, config.connectionTimeout().toMillis() / 2)));
        hc.setInitializationFailTimeout(-1); // never block (or fail) the topology thread on a dead endpoint
        hikariCustomizer.accept(hc);
        return new HikariDataSource(hc);
    }

    // ------------------------------------------------------------------ borrowing

    public Connection borrow(Purpose purpose) throws SQLException {
        if (closed) {
            throw new SQLNonTransientConnectionException("data source of " + cluster + " is closed", "08003");
        }
        if (purpose == Purpose.GUARDED) {
            checkGuarded();
        }
        Routing r = awaitRouting();
        if (purpose == Purpose.READ) {
            Connection c = borrowReplica(r);
            if (c != null) {
                return c;
            }
        }
        return borrowPrimary(purpose);
    }

    private Routing awaitRouting() throws SQLException {
        Routing r = routing;
        if (r != null) {
            return r;
        }
        try {
            firstTopology.await(config.connectionTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SQLNonTransientConnectionException("interrupted while waiting for the topology of " + cluster,
                    "08001", e);
        }
        r = routing;
        if (r == null) {
            throw new FailoverInProgressException(FailoverInProgressException.Reason.NO_PRIMARY, cluster, -1, null,
                    "no topology of cluster " + cluster + " received yet (waited " + config.connectionTimeout() + ")",
                    null);
        }
        return r;
    }

    private Connection borrowPrimary(Purpose purpose) throws SQLException {
        SQLException last = null;
        for (int attempt = 0; attempt < 3; attempt++) {
            Routing r = routing;
            EndpointPool p = r.primary();
            if (p == null) {
                break;
            }
            Connection physical;
            try {
                physical = p.borrow();
            } catch (SQLException e) {
                if (p.retired() || routing.primary() != p) {
                    last = e; // the primary changed while we waited: try the new one
                    continue;
                }
                throw e;
            }
            ConnectionHandler h = new ConnectionHandler(this, p, r.epoch(), purpose, physical);
            p.register(h);
            // Re-check after registering: a revocation that ran before we registered is seen here.
            if (!p.retired() && (purpose == Purpose.READ || routing.primary() == p)) {
                try {
                    if (purpose == Purpose.GUARDED) {
                        checkGuarded(); // the borrow may have waited: ask again
                    } else if (purpose == Purpose.READ) {
                        physical.setReadOnly(true);
                    }
                } catch (SQLException | RuntimeException e) {
                    closeQuietly(h);
                    throw e;
                }
                return h.proxy();
            }
            h.revoke("the primary changed while it was borrowed");
            closeQuietly(h);
        }
        Routing r = routing;
        throw new FailoverInProgressException(FailoverInProgressException.Reason.NO_PRIMARY, cluster, r.epoch(), null,
                "cluster " + cluster + " has no writable primary at epoch " + r.epoch()
                        + (purpose == Purpose.READ ? " and no healthy replica" : ""), last);
    }

    /** A healthy replica's connection (local zone first when preferred), or null when none can be had. */
    private Connection borrowReplica(Routing r) throws SQLException {
        List<Endpoint> local = new ArrayList<>();
        List<Endpoint> others = new ArrayList<>();
        long now = clock.nanoTime();
        for (Endpoint e : r.replicas()) {
            if (isHealthy(e, now)) {
                (config.preferLocalReplicas() && e.inZone(config.zone()) ? local : others).add(e);
            }
        }
        for (List<Endpoint> candidates : List.of(local, others)) {
            while (!candidates.isEmpty()) {
                Endpoint e = pick(candidates);
                candidates.remove(e);
                Connection c = borrowFromReplica(r, e);
                if (c != null) {
                    return c;
                }
            }
        }
        return null;
    }

    private Connection borrowFromReplica(Routing r, Endpoint e) throws SQLException {
        EndpointPool p = pools.get(e.id());
        if (p == null || p.retired()) {
            return null;
        }
        Connection physical;
        try {
            physical = p.hikari().getConnection();
        } catch (SQLException ex) {
            markUnhealthy(e, "borrow failed: " + ex.getMessage());
            return null;
        }
        ConnectionHandler h = new ConnectionHandler(this, p, r.epoch(), Purpose.READ, physical);
        p.register(h);
        if (p.retired()) {
            h.revoke(p.retiredBecause());
            closeQuietly(h);
            return null;
        }
        try {
            physical.setReadOnly(true);
        } catch (SQLException ex) {
            closeQuietly(h);
            throw ex;
        }
        return h.proxy();
    }

    private boolean isHealthy(Endpoint e, long now) {
        ReplicaHealth h = health.get(e.id());
        return h != null && h.healthy() && now - h.checkedAt() <= staleHealthNanos;
    }

    /** Weighted random choice. */
    private static Endpoint pick(List<Endpoint> candidates) {
        if (candidates.size() == 1) {
            return candidates.get(0);
        }
        long total = 0;
        for (Endpoint e : candidates) {
            total += e.weight();
        }
        long x = ThreadLocalRandom.current().nextLong(total);
        for (Endpoint e : candidates) {
            x -= e.weight();
            if (x < 0) {
                return e;
            }
        }
        return candidates.get(candidates.size() - 1);
    }

    /** Replicas that get reads now. */
    public List<Endpoint> healthyReplicas() {
        Routing r = routing;
        if (r == null) {
            return List.of();
        }
        long now = clock.nanoTime();
        return r.replicas().stream().filter(e -> isHealthy(e, now)).toList();
    }

    private static void closeQuietly(ConnectionHandler h) {
        try {
            h.proxy().close();
        } catch (SQLException | RuntimeException e) {
            // nothing to do
        }
    }

    // ------------------------------------------------------------------ replica lag

    private void probeReplicas() {
        Routing r = routing;
        if (r == null || closed) {
            return;
        }
        for (Endpoint e : r.replicas()) {
            if (probing.add(e.id())) {
                Thread.ofVirtual().name("nines-jdbc-lag " + cluster + "/" + e.id()).start(() -> {
                    try {
                        probe(e);
                    } finally {
                        probing.remove(e.id());
                    }
                });
            }
        }
    }

    private void probe(Endpoint e) {
        EndpointPool p = replicaPool(e);
        if (p == null) {
            return;
        }
        ReplicaHealth result;
        try (Connection c = p.hikari().getConnection()) {
            int timeout = (int) Math.min(Integer.MAX_VALUE,
                    config.replicaCheckInterval().plus(config.connectionTimeout()).toMillis());
            c.setNetworkTimeout(ConnectionHandler.ABORTER, timeout); // HikariCP restores it on return
            Optional<Duration> lag = lagProbe.lag(c);
            long now = clock.nanoTime();
            if (lag.isEmpty()) {
                result = new ReplicaHealth(false, null, "lag unknown (replication stopped or not configured)", now);
            } else if (lag.get().compareTo(config.maxReplicaLag()) > 0) {
                result = new ReplicaHealth(false, lag.get(), "lag " + lag.get().toMillis() + " ms > max "
                        + config.maxReplicaLag().toMillis() + " ms", now);
            } else {
                result = new ReplicaHealth(true, lag.get(), "ok", now);
            }
        } catch (SQLException | RuntimeException ex) {
            result = new ReplicaHealth(false, null, "probe failed: " + ex.getMessage(), clock.nanoTime());
        }
        record(e, result);
    }

    private void markUnhealthy(Endpoint e, String why) {
        record(e, new ReplicaHealth(false, null, why, clock.nanoTime()));
    }

    private void record(Endpoint e, ReplicaHealth now) {
        Routing r = routing;
        if (r == null || !r.replicas().contains(e)) {
            return; // no longer a replica: forget it
        }
        ReplicaHealth before = health.put(e.id(), now);
        if (before == null || before.healthy() != now.healthy()) {
            if (now.healthy()) {
                LOG.info("{}: replica {} gets reads (lag {} ms)", cluster, e.id(), now.lag().toMillis());
            } else {
                LOG.warn("{}: replica {} gets no reads: {}", cluster, e.id(), now.detail());
            }
            if (events.hasListeners()) {
                events.publish(new NinesDataSourceEvent.ReplicaHealthChanged(cluster, e.id(), now.healthy(), now.lag(),
                        now.detail(), clock.currentTimeMillis()));
            }
        }
    }

    // ------------------------------------------------------------------ island guard

    /**
     * Refuses guarded work while the guard declares an island, and after an island until the topology has been read
     * again from the store.
     */
    public void checkGuarded() throws IslandFencedSQLException {
        IslandGuard g = guard;
        if (g == null) {
            throw new IllegalStateException("no island guard configured for " + cluster + ": set islandGuard(...) on"
                    + " the NinesDataSource builder (or islandGuard(IslandGuard.disabled(name)) where no island can"
                    + " happen)");
        }
        try {
            g.check();
        } catch (IslandFencedException e) {
            throw new IslandFencedSQLException(e);
        }
        if (resyncedIslands < islands.get()) {
            throw new IslandFencedSQLException(new IslandFencedException(g.name(), "zone '" + config.zone()
                    + "': the island cleared, but the topology of " + cluster + " has not been read again from the"
                    + " store yet; guarded operations resume once it has"));
        }
    }

    /** A mark to hand to {@link #checkNoIslandSince} after a guarded call that may commit. */
    public long islandMark() {
        return islands.get();
    }

    /**
     * After a guarded call that may have committed: if an island was declared while it was in flight, its
     * acknowledgement cannot be trusted. An isolated primary waits for a replica's acknowledgement only up to its
     * semi-sync timeout, then commits alone and answers OK: a commit sent just before the declaration can come back
     * OK after it, and the failover in the other zone does not keep it. So the call is refused, as in flight.
     */
    public void checkNoIslandSince(long mark) throws IslandFencedSQLException {
        IslandGuard g = guard;
        if (g != null && (g.state() == IslandGuard.State.ISLAND || islands.get() != mark)) {
            throw IslandFencedSQLException.inFlight(new IslandFencedException(g.name(), "zone '" + config.zone()
                    + "' became an island while this commit was in flight: its acknowledgement cannot be trusted (an"
                    + " isolated primary commits alone after its semi-sync timeout) and a failover in another zone"
                    + " does not keep it; retry in another zone"));
        }
    }

    private void onGuardEvent(IslandGuardEvent e) {
        if (e instanceof IslandGuardEvent.Declared) {
            if (store != null) {
                islands.incrementAndGet(); // a view-fed source has no store to re-read: nothing to wait for
            }
            abortGuardedForIsland();
        } else if (store != null && e instanceof IslandGuardEvent.Cleared c && c.previous() == IslandGuard.State.ISLAND) {
            startResync();
        }
    }

    /** Guarded connections borrowed now are aborted: a call in flight ends with a refusal, not a late OK. */
    private void abortGuardedForIsland() {
        String why = "zone '" + config.zone() + "' became an island";
        int n = 0;
        for (EndpointPool p : pools.values()) {
            n += p.abortGuardedForIsland(why);
        }
        if (n > 0) {
            LOG.warn("{}: aborted {} guarded connection(s): {}", cluster, n, why);
        }
    }

    /**
     * The refusal of a guarded call on a connection aborted for an island: {@code inFlight} when the call had been
     * sent (its outcome is unknown, and a failover elsewhere does not keep it).
     */
    IslandFencedSQLException islandRefusal(String why, boolean inFlight) {
        String name = guard == null ? cluster : guard.name();
        if (inFlight) {
            return IslandFencedSQLException.inFlight(new IslandFencedException(name, why + " while this call was in"
                    + " flight: it was aborted, its outcome is unknown here and a failover in another zone does not keep"
                    + " it; retry in another zone"));
        }
        return new IslandFencedSQLException(new IslandFencedException(name, why + ": this guarded connection was"
                + " aborted; retry in another zone"));
    }

    private void startResync() {
        if (closed || !resyncRunning.compareAndSet(false, true)) {
            return;
        }
        Thread.ofVirtual().name("nines-jdbc-resync " + cluster).start(this::resync);
    }

    /** Reads the topology from the store (the store syncs with its leader first) until it works. */
    private void resync() {
        try {
            while (!closed && resyncedIslands < islands.get()) {
                long target = islands.get();
                try {
                    store.get(cluster).ifPresent(view::offer);
                    resyncedIslands = target;
                    long epoch = epoch();
                    LOG.info("{}: topology re-read from the store after the island (epoch {}); guarded operations"
                            + " resume", cluster, epoch);
                    if (events.hasListeners()) {
                        events.publish(new NinesDataSourceEvent.TopologyResynced(cluster, epoch,
                                clock.currentTimeMillis()));
                    }
                } catch (RuntimeException ex) {
                    LOG.debug("{}: topology re-read failed, retrying: {}", cluster, ex.toString());
                    try {
                        Thread.sleep(RESYNC_RETRY_MILLIS); // a virtual thread waiting for the store to come back
                    } catch (InterruptedException ie) {
                        return;
                    }
                }
            }
        } finally {
            resyncRunning.set(false);
            // An island declared and cleared again while we were finishing: go once more.
            if (!closed && resyncedIslands < islands.get() && guard.state() != IslandGuard.State.ISLAND) {
                startResync();
            }
        }
    }

    // ------------------------------------------------------------------ close

    @Override
    public void close() {
        List<EndpointPool> all;
        applyLock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            all = List.copyOf(pools.values());
            pools.clear();
        } finally {
            applyLock.unlock();
        }
        topologySubscription.close();
        guardSubscription.close();
        ticker.shutdownNow();
        if (ownsView) {
            view.close();
        }
        if (ownsGuard && guard != null) {
            guard.close();
        }
        for (EndpointPool p : all) {
            p.markRetired("data source closed");
            p.close();
        }
    }

    @Override
    public String toString() {
        Routing r = routing;
        return "NinesDataSource[" + cluster + ", zone " + config.zone() + ", epoch " + epoch() + ", primary "
                + (r == null || r.primary() == null ? "none" : r.primary().id()) + "]";
    }
}
