package io.nines.jdbc.internal;

import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.HikariPoolMXBean;
import io.nines.topology.Endpoint;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One endpoint's HikariCP pool and the connections borrowed from it (so they can be revoked). */
final class EndpointPool {

    private static final Logger LOG = LoggerFactory.getLogger(EndpointPool.class);

    private final Endpoint endpoint;
    private final HikariDataSource hikari;
    private final Set<ConnectionHandler> live = ConcurrentHashMap.newKeySet();
    private volatile String retiredBecause;
    /** Threads inside {@link #borrow()}, and those of them {@link #wakeBorrowers()} interrupted; guarded by itself. */
    private final Set<Thread> waiting = new HashSet<>();
    private final Set<Thread> woken = new HashSet<>();

    EndpointPool(Endpoint endpoint, HikariDataSource hikari) {
        this.endpoint = endpoint;
        this.hikari = hikari;
    }

    Endpoint endpoint() {
        return endpoint;
    }

    String id() {
        return endpoint.id();
    }

    HikariDataSource hikari() {
        return hikari;
    }

    boolean retired() {
        return retiredBecause != null;
    }

    /**
     * A connection from the pool. HikariCP waits up to its connection timeout for one; when the topology moves away
     * from this endpoint (a crashed primary's pool cannot connect at all), {@link #wakeBorrowers()} ends that wait
     * at once so that the caller can go to the new primary instead of timing out first.
     */
    Connection borrow() throws SQLException {
        Thread me = Thread.currentThread();
        synchronized (waiting) {
            waiting.add(me);
        }
        try {
            return hikari.getConnection();
        } finally {
            boolean ours;
            synchronized (waiting) {
                waiting.remove(me);
                ours = woken.remove(me);
            }
            if (ours) {
                Thread.interrupted(); // our wake-up, not the caller's interrupt: don't leave it set
            }
        }
    }

    /** Interrupts the threads waiting in {@link #borrow()}; they fail and re-read the routing. */
    void wakeBorrowers() {
        synchronized (waiting) {
            for (Thread t : waiting) {
                woken.add(t);
                t.interrupt();
            }
        }
    }

    void register(ConnectionHandler h) {
        live.add(h);
    }

    void unregister(ConnectionHandler h) {
        live.remove(h);
    }

    int borrowed() {
        return live.size();
    }

    /**
     * No new work: set before the borrowed connections are revoked, and a borrower checks it after registering, so
     * one of the two always sees the other.
     */
    void markRetired(String why) {
        retiredBecause = why;
    }

    String retiredBecause() {
        return retiredBecause;
    }

    /** Aborts the borrowed guarded connections because an island was declared; returns how many. */
    int abortGuardedForIsland(String why) {
        int n = 0;
        for (ConnectionHandler h : live) {
            if (h.abortForIsland(why)) {
                n++;
            }
        }
        if (n > 0) {
            softEvict();
        }
        return n;
    }

    /** Revokes (aborts) the borrowed connections that match; returns how many. */
    int revoke(Predicate<ConnectionHandler> which, String why) {
        int n = 0;
        for (ConnectionHandler h : live) {
            if (which.test(h) && h.revoke(why)) {
                n++;
            }
        }
        if (n > 0) {
            softEvict(); // connections come back evicted: never handed out again
        }
        return n;
    }

    /** Idle connections are closed now, borrowed ones when returned. */
    void softEvict() {
        try {
            HikariPoolMXBean mx = hikari.getHikariPoolMXBean();
            if (mx != null) {
                mx.softEvictConnections();
            }
        } catch (RuntimeException e) {
            LOG.debug("soft eviction of pool {} failed", hikari.getPoolName(), e);
        }
    }

    /** Blocking (HikariCP aborts what is still borrowed and waits for its threads): call off the topology thread. */
    void close() {
        try {
            hikari.close();
        } catch (RuntimeException e) {
            LOG.warn("closing pool {} failed", hikari.getPoolName(), e);
        }
    }

    @Override
    public String toString() {
        return "EndpointPool[" + endpoint.id() + " " + endpoint.address() + ", borrowed " + live.size()
                + (retiredBecause != null ? ", retired: " + retiredBecause : "") + "]";
    }
}
