package io.nines.proxy;

import io.nines.proxy.admin.AdminServer;
import io.nines.proxy.cluster.HealthCheckedTargets;
import io.nines.proxy.config.ProxyConfig;
import io.nines.proxy.http.HttpProxy;
import io.nines.proxy.tcp.TcpListenerConfig;
import io.nines.proxy.tcp.TcpProxy;
import io.nines.proxy.tcp.TcpTargets;
import io.nines.topology.TopologyView;
import io.nines.topology.zookeeper.ZooKeeperTopologyStore;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A running {@code nines proxy}: every listener of a {@link ProxyConfig}, with the topology stores its clusters
 * need. {@link #close()} stops accepting and drains open connections for the configured time.
 */
public final class ProxyServer implements AutoCloseable {

    private final ProxyConfig config;
    private final List<TcpProxy> listeners;
    private final List<HttpProxy> httpListeners;
    private final List<AutoCloseable> resources;
    private final AdminServer admin;

    private ProxyServer(ProxyConfig config, List<TcpProxy> listeners, List<HttpProxy> httpListeners,
                        List<AutoCloseable> resources, AdminServer admin) {
        this.config = config;
        this.listeners = List.copyOf(listeners);
        this.httpListeners = List.copyOf(httpListeners);
        this.resources = List.copyOf(resources);
        this.admin = admin;
    }

    /** Binds every listener; on a failure, what was started is closed again. */
    public static ProxyServer start(ProxyConfig config) throws InterruptedException, IOException {
        List<AutoCloseable> resources = new ArrayList<>();
        List<TcpProxy> listeners = new ArrayList<>();
        List<HttpProxy> httpListeners = new ArrayList<>();
        try {
            Map<String, TcpTargets> targets = new HashMap<>();
            for (ProxyConfig.Cluster c : config.clusters().values()) {
                targets.put(c.name(), switch (c) {
                    case ProxyConfig.StaticCluster s when s.healthCheck() != null -> {
                        HealthCheckedTargets checked = new HealthCheckedTargets(s.name(), s.endpoints(), s.healthCheck());
                        resources.add(checked);
                        yield checked;
                    }
                    case ProxyConfig.StaticCluster s -> TcpTargets.fixed(s.name(), s.endpoints());
                    case ProxyConfig.TopologyCluster t -> {
                        ZooKeeperTopologyStore store = ZooKeeperTopologyStore.builder(t.zookeeper())
                                .namespace(t.namespace()).sessionTimeout(t.sessionTimeout()).build();
                        resources.add(store);
                        TopologyView view = TopologyView.open(store, t.cluster());
                        resources.add(view);
                        yield TcpTargets.primaryOf(view);
                    }
                });
            }
            for (ProxyConfig.Listener l : config.listeners()) {
                if (l.protocol() == ProxyConfig.Protocol.HTTP) {
                    httpListeners.add(HttpProxy.start(l.name(), l.address(), l.routes(), targets, l.connectTimeout(),
                            config.ioThreads()));
                } else {
                    listeners.add(TcpProxy.start(new TcpListenerConfig(l.name(), l.address(), l.connectTimeout(),
                            l.idleTimeout()), targets.get(l.cluster()), config.ioThreads()));
                }
            }
            AdminServer admin = config.admin() == null ? null
                    : AdminServer.start(config.admin(), listeners, httpListeners);
            return new ProxyServer(config, listeners, httpListeners, resources, admin);
        } catch (RuntimeException | InterruptedException | IOException e) {
            listeners.forEach(TcpProxy::close);
            httpListeners.forEach(HttpProxy::close);
            closeAll(resources);
            throw e;
        }
    }

    public ProxyConfig config() {
        return config;
    }

    /** The admin endpoint's address, if configured. */
    public Optional<InetSocketAddress> adminAddress() {
        return Optional.ofNullable(admin).map(AdminServer::address);
    }

    /** The running HTTP listeners, in config order. */
    public List<HttpProxy> httpListeners() {
        return httpListeners;
    }

    /** The running TCP listeners, in config order. */
    public List<TcpProxy> listeners() {
        return listeners;
    }

    @Override
    public void close() {
        if (admin != null) {
            admin.close();
        }
        // Drain all listeners at once: each stops accepting first, then waits for its own connections.
        List<Thread> closing = new ArrayList<>();
        for (TcpProxy l : listeners) {
            closing.add(Thread.ofVirtual().start(() -> l.close(config.drain())));
        }
        for (HttpProxy l : httpListeners) {
            closing.add(Thread.ofVirtual().start(l::close));
        }
        for (Thread t : closing) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        closeAll(resources);
    }

    private static void closeAll(List<AutoCloseable> resources) {
        for (int i = resources.size() - 1; i >= 0; i--) {
            try {
                resources.get(i).close();
            } catch (Exception ignored) {
                // shutting down: a store that fails to close has nothing left to lose
            }
        }
    }
}
