package io.nines.proxy.cluster;

import io.nines.core.event.EventPublisher.Subscription;
import io.nines.proxy.tcp.TcpTargets;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A static cluster whose endpoints are checked by TCP connect ({@link HealthCheck}): new connections go only to
 * endpoints that are up. Connections already relayed to an endpoint that goes down are left alone (HAProxy's
 * default); a fenced primary is another matter ({@link TcpTargets#primaryOf}). When every endpoint is down, all are
 * offered anyway (Envoy's panic mode): a check can be wrong, and trying beats refusing everyone.
 */
public final class HealthCheckedTargets implements TcpTargets, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(HealthCheckedTargets.class);

    private final String cluster;
    private final HealthCheck check;
    private final Map<InetSocketAddress, Health> health = new LinkedHashMap<>();
    private final List<InetSocketAddress> all;
    private volatile List<InetSocketAddress> up;
    private final ScheduledExecutorService checker;

    /** Health of one endpoint; touched only by the checker thread, except {@link #isUp} reads. */
    private static final class Health {
        volatile boolean isUp = true; // until checks say otherwise: a fresh proxy serves at once
        int streak; // > 0 good checks in a row, < 0 failed ones
    }

    public HealthCheckedTargets(String cluster, List<InetSocketAddress> endpoints, HealthCheck check) {
        this.cluster = cluster;
        this.check = check;
        this.all = TcpTargets.fixed(cluster, endpoints).current();
        for (InetSocketAddress e : all) {
            health.put(e, new Health());
        }
        this.up = all;
        this.checker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "nines-health-" + cluster);
            t.setDaemon(true);
            return t;
        });
        checker.scheduleWithFixedDelay(this::checkAll, 0, check.interval().toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public List<InetSocketAddress> current() {
        List<InetSocketAddress> u = up;
        return u.isEmpty() ? all : u;
    }

    /** Whether checks currently consider {@code endpoint} up. */
    public boolean isUp(InetSocketAddress endpoint) {
        Health h = health.get(endpoint);
        return h != null && h.isUp;
    }

    @Override
    public Subscription onChange(Runnable changed) {
        return () -> { }; // health changes steer new connections only; nothing to close
    }

    private void checkAll() {
        boolean changed = false;
        for (Map.Entry<InetSocketAddress, Health> e : health.entrySet()) {
            Health h = e.getValue();
            boolean ok = connects(e.getKey());
            h.streak = ok ? Math.max(h.streak, 0) + 1 : Math.min(h.streak, 0) - 1;
            if (h.isUp && h.streak <= -check.fall()) {
                h.isUp = false;
                changed = true;
                LOG.warn("cluster {}: endpoint {} DOWN after {} failed checks", cluster, e.getKey(), check.fall());
            } else if (!h.isUp && h.streak >= check.rise()) {
                h.isUp = true;
                changed = true;
                LOG.info("cluster {}: endpoint {} UP after {} good checks", cluster, e.getKey(), check.rise());
            }
        }
        if (changed) {
            List<InetSocketAddress> now = new ArrayList<>();
            health.forEach((a, h) -> {
                if (h.isUp) {
                    now.add(a);
                }
            });
            up = List.copyOf(now);
        }
    }

    private boolean connects(InetSocketAddress endpoint) {
        try (Socket s = new Socket()) {
            s.connect(endpoint, (int) check.timeout().toMillis());
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public void close() {
        checker.shutdownNow();
    }

    @Override
    public String toString() {
        return "health-checked " + all;
    }
}
