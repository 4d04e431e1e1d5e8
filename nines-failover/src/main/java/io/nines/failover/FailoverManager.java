package io.nines.failover;

import io.nines.core.Clock;
import io.nines.failover.internal.Engine;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The MariaDB failover manager of one cluster (DESIGN §5): probes every node, confirms a suspected primary
 * failure from the replicas and the other managers, and, if elected leader among the managers, fences, promotes
 * the most advanced replica, re-points the others and publishes the topology with epoch + 1; checks and enforces
 * lossless settings, refuses to flap, to promote a stale replica or one with errant transactions, rejoins or
 * quarantines a returning old primary, runs planned switchovers, and writes every step to its {@link #audit()}.
 *
 * <pre>{@code
 * try (FailoverManager m = FailoverManager.start(FailoverConfig.load(Path.of("failover.yaml")))) {
 *     m.audit().listen(e -> System.out.println(e));
 *     ...                                      // runs until closed
 *     m.switchover("db2", Duration.ofSeconds(30));
 * }
 * }</pre>
 */
public final class FailoverManager implements AutoCloseable {

    private final FailoverConfig config;
    private final AuditLog audit;
    private final Engine engine;

    private FailoverManager(FailoverConfig config, Clock clock) {
        this.config = config;
        this.audit = new AuditLog(config.cluster(), config.manager().id(), clock, config.audit().file(), 10_000);
        Engine e;
        try {
            e = new Engine(config, clock, audit);
        } catch (RuntimeException ex) {
            audit.close();
            throw ex;
        }
        this.engine = e;
    }

    /** Starts a manager with the system clock. */
    public static FailoverManager start(FailoverConfig config) {
        return start(config, Clock.system());
    }

    /** Starts a manager: connects to the store, joins the managers' election and begins probing. */
    public static FailoverManager start(FailoverConfig config, Clock clock) {
        FailoverManager m = new FailoverManager(Objects.requireNonNull(config, "config"), Objects.requireNonNull(clock, "clock"));
        m.engine.start();
        return m;
    }

    public FailoverConfig config() {
        return config;
    }

    /** This manager's id. */
    public String id() {
        return config.manager().id();
    }

    /** Every step this manager took (in memory; also in the audit file when configured). */
    public AuditLog audit() {
        return audit;
    }

    /** Whether this manager leads its cluster's managers right now (only the leader acts). */
    public boolean isLeader() {
        return engine.leadership().isLeader();
    }

    /** Waits until this manager leads. */
    public boolean awaitLeadership(Duration timeout) throws InterruptedException {
        return engine.leadership().awaitLeadership(timeout);
    }

    /** What it saw in its last probe round. */
    public ManagerState state() {
        return engine.state();
    }

    /**
     * A planned switchover to {@code target}, run by this manager, which must lead: fence the primary, let the
     * target catch up exactly, promote it, make the old primary and the other replicas follow it, publish epoch + 1
     * and open it for writes. The result says whether it switched, why not, and how long writes were refused.
     *
     * @throws TimeoutException if it did not finish within {@code timeout} (it may still complete)
     */
    public SwitchoverResult switchover(String target, Duration timeout) throws TimeoutException, InterruptedException {
        try {
            return engine.switchover(target).get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException("switchover failed", e.getCause());
        }
    }

    /** Stops probing, withdraws from the election and closes every connection. */
    @Override
    public void close() {
        try {
            engine.close();
        } finally {
            audit.close();
        }
    }

    @Override
    public String toString() {
        return "FailoverManager[" + config.cluster() + "/" + id() + (isLeader() ? ", leader" : "") + "]";
    }
}
