package io.nines.testkit.net;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Zones joined by links that a test can cut, delay or heal: a partition simulator on loopback.
 *
 * <p>Every connection that crosses zones is made to the address {@link #route} returns: within a zone
 * that is the target itself; across zones it is a {@link Link} (one per from-zone, to-zone and target,
 * created on first use and reused) that relays the bytes and obeys the network's state. A cut is a
 * blackhole (see {@link Link}): nothing is closed or reset, bytes stop, new connections hang.
 *
 * <p>Cuts are symmetric: {@code cut(a, b)} stops traffic from a to b and from b to a, whoever opened the
 * connection. {@code partition(z)} cuts z from every other zone, including zones first seen later.
 * Delays are one-way and apply in both directions, so a round trip across a delayed pair takes at
 * least twice the delay more.
 */
public final class ZoneNetwork implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ZoneNetwork.class);

    private final ReentrantLock lock = new ReentrantLock();
    private final Map<LinkKey, Link> links = new LinkedHashMap<>();
    private final Set<String> zones = new LinkedHashSet<>();
    private final Set<String> isolated = new HashSet<>();
    private final Set<ZonePair> cuts = new HashSet<>();
    private final Map<ZonePair, Long> delays = new HashMap<>();
    private boolean closed;

    private record LinkKey(String from, String to, InetSocketAddress target) {}

    /** An unordered pair of distinct zones. */
    private record ZonePair(String a, String b) {
        static ZonePair of(String x, String y) {
            return x.compareTo(y) <= 0 ? new ZonePair(x, y) : new ZonePair(y, x);
        }
    }

    public ZoneNetwork() {
    }

    /**
     * The address a client in {@code fromZone} must connect to in order to reach {@code target} in
     * {@code toZone}: the target itself within a zone, otherwise the address of the link between them.
     */
    public InetSocketAddress route(String fromZone, String toZone, InetSocketAddress target) {
        requireZone(fromZone, "fromZone");
        requireZone(toZone, "toZone");
        Objects.requireNonNull(target, "target");
        if (fromZone.equals(toZone)) {
            lock.lock();
            try {
                zones.add(fromZone);
            } finally {
                lock.unlock();
            }
            return target;
        }
        return link(fromZone, toZone, target).address();
    }

    /** The link from {@code fromZone} to {@code target} in {@code toZone}, created on first use. */
    public Link link(String fromZone, String toZone, InetSocketAddress target) {
        requireZone(fromZone, "fromZone");
        requireZone(toZone, "toZone");
        if (fromZone.equals(toZone)) {
            throw new IllegalArgumentException("no link within zone " + fromZone + ": route() returns the target itself");
        }
        InetSocketAddress resolved = target.isUnresolved()
                ? new InetSocketAddress(target.getHostString(), target.getPort())
                : target;
        if (resolved.isUnresolved()) {
            throw new IllegalArgumentException("cannot resolve " + target);
        }
        LinkKey key = new LinkKey(fromZone, toZone, resolved);
        lock.lock();
        try {
            if (closed) {
                throw new IllegalStateException("zone network closed");
            }
            Link link = links.get(key);
            if (link == null) {
                zones.add(fromZone);
                zones.add(toZone);
                try {
                    link = new Link(fromZone, toZone, resolved, isCutLocked(fromZone, toZone), delayLocked(fromZone, toZone));
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot open link " + fromZone + "->" + toZone + " to " + target, e);
                }
                links.put(key, link);
                LOG.debug("new {}", link);
            }
            return link;
        } finally {
            lock.unlock();
        }
    }

    /** Every link created so far. */
    public List<Link> links() {
        lock.lock();
        try {
            return List.copyOf(links.values());
        } finally {
            lock.unlock();
        }
    }

    /** The links between two zones, in either direction. */
    public List<Link> links(String zoneA, String zoneB) {
        List<Link> out = new ArrayList<>();
        for (Link l : links()) {
            if ((l.fromZone().equals(zoneA) && l.toZone().equals(zoneB))
                    || (l.fromZone().equals(zoneB) && l.toZone().equals(zoneA))) {
                out.add(l);
            }
        }
        return out;
    }

    /** Every zone seen so far (in a route, link, cut, delay or partition). */
    public Set<String> zones() {
        lock.lock();
        try {
            return Set.copyOf(zones);
        } finally {
            lock.unlock();
        }
    }

    /** Cuts every link crossing the zone's boundary, both directions. */
    public void partition(String zone) {
        requireZone(zone, "zone");
        update(() -> {
            zones.add(zone);
            isolated.add(zone);
        }, "partition " + zone);
    }

    /** Cuts every link between two zones, both directions. */
    public void cut(String zoneA, String zoneB) {
        ZonePair pair = pair(zoneA, zoneB);
        update(() -> {
            zones.add(zoneA);
            zones.add(zoneB);
            cuts.add(pair);
        }, "cut " + zoneA + " <-> " + zoneB);
    }

    /** Holds each chunk between two zones for {@code oneWay} in each direction; zero removes the delay. */
    public void delay(String zoneA, String zoneB, Duration oneWay) {
        ZonePair pair = pair(zoneA, zoneB);
        if (oneWay.isNegative()) {
            throw new IllegalArgumentException("delay must not be negative: " + oneWay);
        }
        update(() -> {
            zones.add(zoneA);
            zones.add(zoneB);
            if (oneWay.isZero()) {
                delays.remove(pair);
            } else {
                delays.put(pair, oneWay.toNanos());
            }
        }, "delay " + zoneA + " <-> " + zoneB + " " + oneWay.toMillis() + "ms");
    }

    /** Heals every cut and partition. Delays stay (see {@link #clearDelays()}). */
    public void heal() {
        update(() -> {
            isolated.clear();
            cuts.clear();
        }, "heal all");
    }

    /**
     * Heals the pair only. If either zone was partitioned, its partition becomes cuts with every other
     * known zone, so the rest of the partition stays in force.
     */
    public void heal(String zoneA, String zoneB) {
        ZonePair pair = pair(zoneA, zoneB);
        update(() -> {
            for (String z : List.of(zoneA, zoneB)) {
                if (isolated.remove(z)) {
                    for (String other : zones) {
                        if (!other.equals(zoneA) && !other.equals(zoneB)) {
                            cuts.add(ZonePair.of(z, other));
                        }
                    }
                }
            }
            cuts.remove(pair);
        }, "heal " + zoneA + " <-> " + zoneB);
    }

    /** Removes every delay. */
    public void clearDelays() {
        update(delays::clear, "clear delays");
    }

    /** Whether traffic between the two zones is cut (never within one zone). */
    public boolean isCut(String zoneA, String zoneB) {
        lock.lock();
        try {
            return isCutLocked(zoneA, zoneB);
        } finally {
            lock.unlock();
        }
    }

    /** The one-way delay between two zones (zero within one zone). */
    public Duration delayBetween(String zoneA, String zoneB) {
        lock.lock();
        try {
            return Duration.ofNanos(delayLocked(zoneA, zoneB));
        } finally {
            lock.unlock();
        }
    }

    /** Bytes relayed (both directions) by every link between the two zones. */
    public long bytesRelayed(String zoneA, String zoneB) {
        long sum = 0;
        for (Link l : links(zoneA, zoneB)) {
            sum += l.bytesForward() + l.bytesBackward();
        }
        return sum;
    }

    /** Closes every link and every connection through them. */
    @Override
    public void close() {
        List<Link> all;
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            all = List.copyOf(links.values());
            links.clear();
        } finally {
            lock.unlock();
        }
        for (Link l : all) {
            l.close();
        }
    }

    private void update(Runnable change, String what) {
        lock.lock();
        try {
            change.run();
            for (Link l : links.values()) {
                l.apply(isCutLocked(l.fromZone(), l.toZone()), delayLocked(l.fromZone(), l.toZone()));
            }
        } finally {
            lock.unlock();
        }
        LOG.info("zone network: {}", what);
    }

    private boolean isCutLocked(String a, String b) {
        if (a.equals(b)) {
            return false;
        }
        return isolated.contains(a) || isolated.contains(b) || cuts.contains(ZonePair.of(a, b));
    }

    private long delayLocked(String a, String b) {
        if (a.equals(b)) {
            return 0;
        }
        return delays.getOrDefault(ZonePair.of(a, b), 0L);
    }

    private static ZonePair pair(String zoneA, String zoneB) {
        requireZone(zoneA, "zoneA");
        requireZone(zoneB, "zoneB");
        if (zoneA.equals(zoneB)) {
            throw new IllegalArgumentException("a zone is never cut from or delayed to itself: " + zoneA);
        }
        return ZonePair.of(zoneA, zoneB);
    }

    private static void requireZone(String zone, String field) {
        if (zone == null || zone.isBlank()) {
            throw new IllegalArgumentException(field + " must be a non-blank zone name");
        }
    }
}
