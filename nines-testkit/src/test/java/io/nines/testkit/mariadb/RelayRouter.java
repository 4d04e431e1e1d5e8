package io.nines.testkit.mariadb;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** A test {@link ZoneRouter}: one {@link TcpRelay} per (from zone, to zone, target) across zones, none within a zone. */
final class RelayRouter implements ZoneRouter, AutoCloseable {
    record Link(String fromZone, String toZone, InetSocketAddress target) {
    }

    private final Map<Link, TcpRelay> relays = new ConcurrentHashMap<>();

    @Override
    public InetSocketAddress route(String fromZone, String toZone, InetSocketAddress target) {
        if (fromZone.equals(toZone)) {
            return target;
        }
        return relays.computeIfAbsent(new Link(fromZone, toZone, target), l -> {
            try {
                return new TcpRelay(target);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }).address();
    }

    TcpRelay relay(String fromZone, String toZone, InetSocketAddress target) {
        TcpRelay r = relays.get(new Link(fromZone, toZone, target));
        if (r == null) {
            throw new IllegalStateException("no link " + fromZone + "->" + toZone + " " + target);
        }
        return r;
    }

    /** Cuts every link from {@code fromZone} to {@code toZone}. */
    void cut(String fromZone, String toZone) {
        links(fromZone, toZone).forEach(TcpRelay::cut);
    }

    void heal(String fromZone, String toZone) {
        links(fromZone, toZone).forEach(TcpRelay::heal);
    }

    private List<TcpRelay> links(String fromZone, String toZone) {
        return relays.entrySet().stream()
                .filter(e -> e.getKey().fromZone().equals(fromZone) && e.getKey().toZone().equals(toZone))
                .map(Map.Entry::getValue).toList();
    }

    @Override
    public void close() {
        relays.values().forEach(TcpRelay::close);
    }
}
