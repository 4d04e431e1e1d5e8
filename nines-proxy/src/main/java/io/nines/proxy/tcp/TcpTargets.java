package io.nines.proxy.tcp;

import io.nines.core.InvalidConfigException;
import io.nines.core.event.EventPublisher.Subscription;
import io.nines.topology.ClusterTopology;
import io.nines.topology.Endpoint;
import io.nines.topology.TopologyView;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * Where a TCP listener's connections go: the endpoints to try now, and word when that changes. When an endpoint
 * leaves the list, the listener closes the connections it relays to it (a fenced primary must not keep its
 * clients).
 */
public interface TcpTargets {

    /** The endpoints to try, round robin, right now; empty: none (a client's connection is closed at once). */
    List<InetSocketAddress> current();

    /** Calls {@code changed} after every change of {@link #current()}. */
    Subscription onChange(Runnable changed);

    /** A fixed list (a static cluster). */
    static TcpTargets fixed(String listener, List<InetSocketAddress> endpoints) {
        List<InetSocketAddress> list = List.copyOf(endpoints);
        if (list.isEmpty()) {
            throw new InvalidConfigException(listener, "endpoints", "a TCP listener needs at least one endpoint");
        }
        return new TcpTargets() {
            @Override
            public List<InetSocketAddress> current() {
                return list;
            }

            @Override
            public Subscription onChange(Runnable changed) {
                return () -> { };
            }

            @Override
            public String toString() {
                return list.toString();
            }
        };
    }

    /**
     * The primary of a cluster in the topology store: the listener follows failovers (new connections go to the new
     * primary at once) and closes the connections it relays to a primary that is fenced or replaced.
     *
     * @param view    the cluster's topology (a {@link TopologyView} on the store)
     * @param address how this proxy reaches an endpoint (its own zone's route, or {@code host:port})
     */
    static TcpTargets primaryOf(TopologyView view, Function<Endpoint, InetSocketAddress> address) {
        Objects.requireNonNull(view, "view");
        Objects.requireNonNull(address, "address");
        return new TcpTargets() {
            @Override
            public List<InetSocketAddress> current() {
                return view.current().flatMap(ClusterTopology::primary).filter(Endpoint::isUp).map(address)
                        .map(List::of).orElse(List.of());
            }

            @Override
            public Subscription onChange(Runnable changed) {
                return view.listen(t -> changed.run());
            }

            @Override
            public String toString() {
                return "primary of " + view.cluster();
            }
        };
    }

    /** {@link #primaryOf(TopologyView, Function)} reaching endpoints at their published host and port. */
    static TcpTargets primaryOf(TopologyView view) {
        return primaryOf(view, e -> new InetSocketAddress(e.host(), e.port()));
    }
}
