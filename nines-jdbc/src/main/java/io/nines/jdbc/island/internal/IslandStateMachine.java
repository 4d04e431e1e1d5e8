package io.nines.jdbc.island.internal;

import io.nines.core.event.EventPublisher;
import io.nines.jdbc.island.IslandGuard.Reason;
import io.nines.jdbc.island.IslandGuard.State;
import io.nines.jdbc.island.IslandGuardEvent;
import io.nines.jdbc.island.Peer;
import io.nines.topology.QuorumSignal;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The island guard's decisions, without threads or sockets: fed quorum changes, double-check results and timer
 * ticks (each with the policy clock's reading), it answers what to do next ({@link Step}). Called from one thread
 * at a time (the guard's); {@link #state()} is read from any thread.
 */
final class IslandStateMachine {

    private static final Logger LOG = LoggerFactory.getLogger(IslandStateMachine.class);

    /**
     * What the driver does next.
     *
     * @param startCheck  id of a double check to start now, or 0
     * @param wakeInNanos when to call {@link #onTimer} (nanos from now), or -1 for no timer
     */
    record Step(long startCheck, long wakeInNanos) {
        static final Step NONE = new Step(0, -1);
    }

    private final String name;
    private final String zone;
    private final long leaseNanos;
    private final long recheckNanos;
    private final EventPublisher<IslandGuardEvent> events;

    private volatile State state = State.OK;
    private volatile Reason reason;
    private volatile String refusalMessage = "";

    private long lostAt;          // when the quorum was lost (SUSPECTED/ISLAND only)
    private long runningCheck;    // id of the check in flight, 0 if none
    private long checkStartedAt;
    private boolean recheckPending;
    private long recheckAt;
    private long checkIds;
    private boolean peerAnsweredLogged;

    IslandStateMachine(String name, String zone, long leaseNanos, long recheckNanos,
                       EventPublisher<IslandGuardEvent> events) {
        this.name = name;
        this.zone = zone;
        this.leaseNanos = leaseNanos;
        this.recheckNanos = recheckNanos;
        this.events = events;
    }

    State state() {
        return state;
    }

    Reason reason() {
        return reason;
    }

    String refusalMessage() {
        return refusalMessage;
    }

    long runningCheck() {
        return runningCheck;
    }

    Step onQuorum(QuorumSignal.State quorum, long now, long millis) {
        switch (state) {
            case OK -> {
                if (quorum == QuorumSignal.State.CONNECTED) {
                    return Step.NONE;
                }
                lostAt = now;
                peerAnsweredLogged = false;
                state = State.SUSPECTED;
                LOG.warn("island guard {}: store quorum {} in zone {}; double-checking peers in other zones", name,
                        quorum, zone);
                if (events.hasListeners()) {
                    events.publish(new IslandGuardEvent.Suspected(name, quorum, millis));
                }
                if (quorum == QuorumSignal.State.LOST) {
                    declare(Reason.LEASE_EXPIRED, now, millis);
                    return Step.NONE;
                }
                return startCheck(now);
            }
            case SUSPECTED -> {
                if (quorum == QuorumSignal.State.CONNECTED) {
                    clear(now, millis);
                    return Step.NONE;
                }
                if (quorum == QuorumSignal.State.LOST) {
                    declare(Reason.LEASE_EXPIRED, now, millis);
                    return Step.NONE;
                }
                return next(now);
            }
            default -> { // ISLAND: only the quorum returning clears it
                if (quorum == QuorumSignal.State.CONNECTED) {
                    clear(now, millis);
                }
                return Step.NONE;
            }
        }
    }

    /**
     * A double check ended.
     *
     * @param answered   the peer that answered, or {@code null}
     * @param liveQuorum the quorum state read just now (its change event may still be queued behind this result)
     */
    Step onCheckDone(long id, Peer answered, QuorumSignal.State liveQuorum, long now, long millis) {
        if (id != runningCheck || state != State.SUSPECTED) {
            return state == State.SUSPECTED ? next(now) : Step.NONE; // a check of an earlier suspicion
        }
        runningCheck = 0;
        long checkMillis = TimeUnit.NANOSECONDS.toMillis(now - checkStartedAt);
        long suspectedMillis = TimeUnit.NANOSECONDS.toMillis(now - lostAt);
        if (answered != null) {
            if (!peerAnsweredLogged) {
                peerAnsweredLogged = true;
                LOG.info("island guard {}: peer {} answered after {} ms: not an island (store blip); guarded"
                        + " operations go on", name, answered, checkMillis);
            }
            if (events.hasListeners()) {
                events.publish(new IslandGuardEvent.PeerAnswered(name, answered, checkMillis, suspectedMillis, millis));
            }
            recheckPending = true;
            recheckAt = now + recheckNanos;
            return next(now);
        }
        if (liveQuorum == QuorumSignal.State.CONNECTED) {
            // The quorum came back while we probed; its event will clear the suspicion. Probe again meanwhile.
            recheckPending = true;
            recheckAt = now;
            return next(now);
        }
        declare(Reason.NO_PEER_ANSWERED, now, millis);
        return Step.NONE;
    }

    Step onTimer(long now, long millis) {
        if (state != State.SUSPECTED) {
            return Step.NONE;
        }
        if (now - lostAt >= leaseNanos) {
            declare(Reason.LEASE_EXPIRED, now, millis);
            return Step.NONE;
        }
        if (runningCheck == 0 && recheckPending && now - recheckAt >= 0) {
            return startCheck(now);
        }
        return next(now);
    }

    private Step startCheck(long now) {
        runningCheck = ++checkIds;
        checkStartedAt = now;
        recheckPending = false;
        return new Step(runningCheck, wakeIn(now));
    }

    private Step next(long now) {
        return new Step(0, wakeIn(now));
    }

    /** The sooner of the lease limit and a due recheck. */
    private long wakeIn(long now) {
        long wake = Math.max(0, lostAt + leaseNanos - now);
        if (runningCheck == 0 && recheckPending) {
            wake = Math.min(wake, Math.max(0, recheckAt - now));
        }
        return wake;
    }

    private void declare(Reason why, long now, long millis) {
        long suspectedMillis = TimeUnit.NANOSECONDS.toMillis(now - lostAt);
        runningCheck = 0;
        recheckPending = false;
        reason = why;
        refusalMessage = "zone '" + zone + "' is an island (" + (why == Reason.NO_PEER_ANSWERED
                ? "store quorum lost and no peer in another zone answered"
                : "store session expired: this zone's lease is gone") + ", declared at "
                + java.time.Instant.ofEpochMilli(millis) + "): guarded operations refused; retry in another zone";
        state = State.ISLAND; // after the message, so a refusal never sees an empty one
        LOG.error("island guard {}: ISLAND declared in zone {} ({}) {} ms after the store quorum was lost;"
                + " guarded operations refused until the quorum returns", name, zone, why, suspectedMillis);
        if (events.hasListeners()) {
            events.publish(new IslandGuardEvent.Declared(name, why, suspectedMillis, millis));
        }
    }

    private void clear(long now, long millis) {
        State previous = state;
        long lostMillis = TimeUnit.NANOSECONDS.toMillis(now - lostAt);
        runningCheck = 0;
        recheckPending = false;
        state = State.OK;
        reason = null;
        if (previous == State.ISLAND) {
            LOG.warn("island guard {}: store quorum back in zone {} after {} ms: island cleared", name, zone, lostMillis);
        } else {
            LOG.info("island guard {}: store quorum back in zone {} after {} ms", name, zone, lostMillis);
        }
        if (events.hasListeners()) {
            events.publish(new IslandGuardEvent.Cleared(name, previous, lostMillis, millis));
        }
    }
}
