package io.nines.jdbc.island;

import io.nines.core.CallContext;
import io.nines.core.Clock;
import io.nines.core.IslandFencedException;
import io.nines.core.RefusedException;
import io.nines.core.event.EventPublisher;
import io.nines.core.spi.CallGate;
import io.nines.jdbc.island.internal.DefaultIslandGuard;
import io.nines.jdbc.island.internal.DisabledIslandGuard;
import io.nines.topology.QuorumSignal;
import java.time.Duration;

/**
 * The island guard of DESIGN §6 (the seed's "island circuit breaker"): refuses <b>guarded</b> operations (balance
 * deductions and the like) while this zone is cut off from the topology store <em>and</em> from every other zone, so
 * that an old primary left behind in an isolated zone cannot take writes that a new primary elsewhere also takes.
 *
 * <p><b>How it decides.</b> It listens to the store's {@link QuorumSignal}. When the quorum is lost
 * ({@code SUSPENDED} or {@code LOST}) it does not trust that alone (jitter gives false positives): it moves to
 * {@link State#SUSPECTED} and at once <em>double-checks</em> by probing every {@link Peer} in other zones in parallel,
 * for at most {@link IslandGuardConfig#doubleCheckTimeout()}.
 * <ul>
 *   <li>No peer answered and the quorum is still lost: {@link State#ISLAND} ({@link Reason#NO_PEER_ANSWERED}).</li>
 *   <li>A peer answered: a store blip, not an island. Guarded operations go on; the peers are probed again every
 *       {@link IslandGuardConfig#recheckInterval()} while the quorum stays lost.</li>
 *   <li>The store reports the session {@code LOST}, or the quorum has been lost for
 *       {@link IslandGuardConfig#storeSessionTimeout()}: {@link State#ISLAND} ({@link Reason#LEASE_EXPIRED}) whatever
 *       the peers say. The session is this zone's lease: once it may have expired, the other zones may have failed
 *       over (an asymmetric partition: we reach their application nodes, not their store), so writes here are no
 *       longer safe.</li>
 *   <li>Only the quorum returning ({@code CONNECTED}) clears an island ({@link State#OK}); peers answering again do not.</li>
 * </ul>
 *
 * <p><b>Timing</b> (the lease a failover manager relies on when it cannot fence the old primary directly): see
 * {@link #declarationBound()} and {@link #fenceBound()}.
 *
 * <p><b>Use.</b> Alone ({@link #check()}, {@link #state()}), as the outer gate of a nines-core pipeline
 * ({@code Pipeline.builder(..).outerGate(guard)}: refuses with {@link IslandFencedException}), or through
 * {@code NinesDataSource}'s guarded connections (refuses with {@code IslandFencedSQLException}). As a
 * {@link CallGate} its success path is one volatile read. It has no JDBC dependency.
 */
public interface IslandGuard extends CallGate, AutoCloseable {

    /** Where the guard stands. */
    enum State {
        /** The store quorum is held: everything goes. */
        OK,
        /** The quorum is lost but this is not (yet) an island: guarded operations still go; double-checking. */
        SUSPECTED,
        /** This zone is an island (or its lease expired): guarded operations are refused until the quorum returns. */
        ISLAND
    }

    /** Why an island was declared. */
    enum Reason {
        /** The quorum was lost and no peer in any other zone answered the double check. */
        NO_PEER_ANSWERED,
        /** The store session (the lease) expired, or the quorum stayed lost for a session timeout. */
        LEASE_EXPIRED
    }

    static IslandGuardBuilder builder(String name) {
        return new IslandGuardBuilder(name);
    }

    /** A running guard on {@code quorum}; {@link #close()} stops its thread and probes. */
    static IslandGuard of(String name, IslandGuardConfig config, QuorumSignal quorum, Clock clock) {
        return new DefaultIslandGuard(name, config, quorum, clock);
    }

    /**
     * A guard that never refuses: for a single-zone deployment or a test, where guarded code must run without an
     * island guard. Choosing it is explicit on purpose (see {@code NinesDataSourceBuilder#islandGuard}).
     */
    static IslandGuard disabled(String name) {
        return new DisabledIslandGuard(name, Clock.system());
    }

    IslandGuardConfig config();

    State state();

    /** {@code state() != ISLAND}: guarded operations may run now. One volatile read. */
    boolean allowsGuarded();

    /**
     * Refuses when this zone is an island.
     *
     * @throws IslandFencedException when {@link #state()} is {@link State#ISLAND}
     */
    void check() throws IslandFencedException;

    /** Why the current island was declared, or {@code null} when not an island. */
    Reason reason();

    /**
     * {@link IslandGuardConfig#storeSessionTimeout()} + {@link IslandGuardConfig#doubleCheckTimeout()}: after the last
     * moment this process could reach the store, the time by which it refuses guarded operations when its zone is cut
     * off from the store and every other zone. Holds because the store reports the loss within a session timeout
     * (ZooKeeper: {@code Disconnected} after 2/3 of it, or at once when its server drops the session).
     */
    Duration declarationBound();

    /**
     * {@code storeSessionTimeout + max(doubleCheckTimeout, storeSessionTimeout)}: the time by which this process
     * refuses guarded operations after it last reached the store, in every case, including the asymmetric one where
     * peers in other zones still answer (refused on lease expiry, at most one session timeout after the loss is
     * reported). A failover manager that cannot fence the old primary directly waits this long after the last moment
     * that zone could reach the store before it promotes.
     */
    Duration fenceBound();

    EventPublisher<IslandGuardEvent> events();

    /** {@inheritDoc} Refuses with {@link IslandFencedException} when this zone is an island. */
    @Override
    void acquire(CallContext context, long nowNanos) throws RefusedException;

    /** Stops listening to the quorum and probing; the state stays as it was. */
    @Override
    void close();
}
