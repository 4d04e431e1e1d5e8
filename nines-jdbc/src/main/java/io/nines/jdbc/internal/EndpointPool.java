package io.nines.jdbc.internal;

import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.HikariPoolMXBean;
import io.nines.topology.Endpoint;
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
