package io.nines.failover;

import io.nines.topology.ClusterTopology;
import io.nines.topology.Endpoint;
import io.nines.topology.TopologyView;
import java.net.InetSocketAddress;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Writers that follow the published topology, as a Nines client would: each inserts rows with unique ids into
 * {@code app.t} on the current primary (as the application user, whom {@code read_only} refuses), records every
 * acknowledged id with the node and time, and on any error reconnects to whatever primary the topology names.
 */
final class WriteLoad implements AutoCloseable {

    record Ack(long id, String node, long nanoTime) {
    }

    private final TopologyView view;
    private final Map<String, InetSocketAddress> addresses;
    private final List<Thread> threads = new ArrayList<>();
    private final ConcurrentLinkedQueue<Ack> acks = new ConcurrentLinkedQueue<>();
    private final AtomicLong ids = new AtomicLong(1_000_000);
    private final AtomicLong errors = new AtomicLong();
    private volatile boolean running = true;

    WriteLoad(TopologyView view, Map<String, InetSocketAddress> addresses, int writers) {
        this.view = view;
        this.addresses = addresses;
        for (int i = 0; i < writers; i++) {
            int w = i;
            threads.add(Thread.ofVirtual().name("writer-" + i).start(() -> write(w)));
        }
    }

    private void write(int writer) {
        Connection c = null;
        String on = null;
        while (running) {
            String primary = view.current().flatMap(ClusterTopology::primary).map(Endpoint::id).orElse(null);
            if (primary == null) {
                LockSupport.parkNanos(5_000_000);
                continue;
            }
            if (c == null || !primary.equals(on)) {
                close(c);
                c = null;
                InetSocketAddress a = addresses.get(primary);
                try {
                    c = DriverManager.getConnection("jdbc:mariadb://" + a.getAddress().getHostAddress() + ":" + a.getPort()
                            + "/app?connectTimeout=500&socketTimeout=5000", "app", "");
                    on = primary;
                } catch (SQLException e) {
                    errors.incrementAndGet();
                    LockSupport.parkNanos(10_000_000);
                    continue;
                }
            }
            long id = ids.incrementAndGet();
            try (Statement s = c.createStatement()) {
                s.executeUpdate("INSERT INTO t (id, writer) VALUES (" + id + ", " + writer + ")");
                acks.add(new Ack(id, on, System.nanoTime()));
            } catch (SQLException e) {
                errors.incrementAndGet();
                close(c);
                c = null;
                LockSupport.parkNanos(10_000_000);
            }
        }
        close(c);
    }

    private static void close(Connection c) {
        if (c != null) {
            try {
                c.close();
            } catch (SQLException e) {
                // broken anyway
            }
        }
    }

    List<Ack> acks() {
        return List.copyOf(acks);
    }

    int acked() {
        return acks.size();
    }

    long errors() {
        return errors.get();
    }

    Set<Long> ackedIds() {
        Set<Long> s = new TreeSet<>();
        acks.forEach(a -> s.add(a.id()));
        return s;
    }

    /** The first acknowledged write on {@code node} after {@code nanoTime}. */
    Optional<Ack> firstAckOn(String node, long afterNanos) {
        return acks.stream().filter(a -> a.node().equals(node) && a.nanoTime() > afterNanos)
                .min((x, y) -> Long.compare(x.nanoTime(), y.nanoTime()));
    }

    /** The last acknowledged write before {@code nanoTime}. */
    Optional<Ack> lastAckBefore(long nanoTime) {
        return acks.stream().filter(a -> a.nanoTime() < nanoTime).max((x, y) -> Long.compare(x.nanoTime(), y.nanoTime()));
    }

    long acksAfter(long nanoTime) {
        return acks.stream().filter(a -> a.nanoTime() > nanoTime).count();
    }

    /** Stops the writers and waits for them. */
    @Override
    public void close() throws InterruptedException {
        running = false;
        for (Thread t : threads) {
            t.join(10_000);
        }
    }
}
