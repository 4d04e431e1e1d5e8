package io.nines.proxy.config.internal;

import io.nines.config.YamlFile;
import io.nines.config.YamlNode;
import io.nines.proxy.cluster.HealthCheck;
import io.nines.proxy.http.HttpRoute;
import io.nines.proxy.config.ProxyConfig;
import io.nines.proxy.config.ProxyConfig.Cluster;
import io.nines.proxy.config.ProxyConfig.Listener;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Binds a {@link YamlFile} to a {@link ProxyConfig}, refusing the first problem at its line and field. */
public final class ProxyConfigReader {

    private ProxyConfigReader() {
    }

    public static ProxyConfig read(YamlFile f) {
        YamlNode.Mapping root = f.mapping(f.root(), "", "listeners", "clusters", "ioThreads", "drain", "admin");
        Map<String, Cluster> clusters = new LinkedHashMap<>();
        Map<String, YamlNode> clusterAt = new HashMap<>();
        List<YamlNode> clusterNodes = f.sequence(root, "", "clusters", true);
        for (int i = 0; i < clusterNodes.size(); i++) {
            String path = "clusters[" + i + "]";
            YamlNode.Mapping m = f.mapping(clusterNodes.get(i), path, "name", "endpoints", "healthCheck", "topology");
            String name = f.string(m, path, "name", null, true);
            if (clusters.containsKey(name)) {
                throw f.error(m, path + ".name", "cluster '" + name + "' is defined twice");
            }
            clusterAt.put(name, m);
            clusters.put(name, cluster(f, m, path, name));
        }
        List<Listener> listeners = new ArrayList<>();
        List<YamlNode> listenerNodes = f.sequence(root, "", "listeners", true);
        if (listenerNodes.isEmpty()) {
            throw f.error(root, "listeners", "needs at least one listener");
        }
        for (int i = 0; i < listenerNodes.size(); i++) {
            String path = "listeners[" + i + "]";
            YamlNode.Mapping m = f.mapping(listenerNodes.get(i), path, "name", "address", "protocol", "cluster",
                    "routes", "connectTimeout", "idleTimeout");
            String name = f.string(m, path, "name", null, true);
            InetSocketAddress address = f.address(f.value(m, "address")
                    .orElseThrow(() -> f.error(m, path + ".address", "is required (host:port)")), path + ".address");
            String protocolText = f.string(m, path, "protocol", "tcp", false);
            ProxyConfig.Protocol protocol;
            try {
                protocol = ProxyConfig.Protocol.valueOf(protocolText.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw f.error(f.value(m, "protocol").orElse(m), path + ".protocol",
                        "must be tcp or http, was '" + protocolText + "'");
            }
            String cluster = null;
            List<HttpRoute> routes = List.of();
            if (protocol == ProxyConfig.Protocol.TCP) {
                if (f.value(m, "routes").isPresent()) {
                    throw f.error(f.value(m, "routes").get(), path + ".routes", "only http listeners have routes");
                }
                cluster = f.string(m, path, "cluster", null, true);
                checkCluster(f, f.value(m, "cluster").orElse(m), path + ".cluster", cluster, clusters);
            } else {
                if (f.value(m, "cluster").isPresent()) {
                    throw f.error(f.value(m, "cluster").get(), path + ".cluster",
                            "an http listener sends requests by its routes (routes: - prefix: /, cluster: ...)");
                }
                routes = routes(f, m, path, clusters);
            }
            Duration connect = f.duration(m, path, "connectTimeout", Duration.ofSeconds(1));
            if (connect.isZero()) {
                throw f.error(f.value(m, "connectTimeout").orElse(m), path + ".connectTimeout", "must be > 0");
            }
            Duration idle = f.duration(m, path, "idleTimeout", Duration.ZERO);
            listeners.add(new Listener(name, address, protocol, cluster, routes, connect, idle));
        }
        int ioThreads = f.integer(root, "", "ioThreads", Runtime.getRuntime().availableProcessors());
        if (ioThreads < 1) {
            throw f.error(f.value(root, "ioThreads").orElse(root), "ioThreads", "must be >= 1, was " + ioThreads);
        }
        Duration drain = f.duration(root, "", "drain", Duration.ofSeconds(5));
        InetSocketAddress admin = f.value(root, "admin").map(n -> f.address(n, "admin")).orElse(null);
        return new ProxyConfig(listeners, clusters, ioThreads, drain, admin);
    }

    private static void checkCluster(YamlFile f, YamlNode at, String field, String cluster, Map<String, Cluster> clusters) {
        if (!clusters.containsKey(cluster)) {
            throw f.error(at, field, "no cluster named '" + cluster + "' (clusters: " + String.join(", ", clusters.keySet())
                    + ")");
        }
    }

    private static List<HttpRoute> routes(YamlFile f, YamlNode.Mapping listener, String path, Map<String, Cluster> clusters) {
        List<YamlNode> items = f.sequence(listener, path, "routes", true);
        if (items.isEmpty()) {
            throw f.error(listener, path + ".routes", "needs at least one route");
        }
        List<HttpRoute> routes = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            String rpath = path + ".routes[" + i + "]";
            YamlNode.Mapping r = f.mapping(items.get(i), rpath, "prefix", "host", "timeout", "cluster", "clusters");
            String prefix = f.string(r, rpath, "prefix", "/", false);
            if (!prefix.startsWith("/")) {
                throw f.error(f.value(r, "prefix").orElse(r), rpath + ".prefix", "must start with /, was '" + prefix + "'");
            }
            List<HttpRoute.WeightedCluster> targets = new ArrayList<>();
            boolean one = f.value(r, "cluster").isPresent();
            boolean many = f.value(r, "clusters").isPresent();
            if (one == many) {
                throw f.error(r, rpath, "needs exactly one of cluster (one) or clusters (weighted)");
            }
            if (one) {
                String c = f.string(r, rpath, "cluster", null, true);
                checkCluster(f, f.value(r, "cluster").get(), rpath + ".cluster", c, clusters);
                targets.add(new HttpRoute.WeightedCluster(c, 1));
            } else {
                List<YamlNode> cs = f.sequence(r, rpath, "clusters", true);
                int total = 0;
                for (int j = 0; j < cs.size(); j++) {
                    String cpath = rpath + ".clusters[" + j + "]";
                    YamlNode.Mapping c = f.mapping(cs.get(j), cpath, "name", "weight");
                    String name = f.string(c, cpath, "name", null, true);
                    checkCluster(f, f.value(c, "name").get(), cpath + ".name", name, clusters);
                    int weight = f.integer(c, cpath, "weight", 1);
                    if (weight < 0) {
                        throw f.error(f.value(c, "weight").orElse(c), cpath + ".weight", "must be >= 0, was " + weight);
                    }
                    total += weight;
                    targets.add(new HttpRoute.WeightedCluster(name, weight));
                }
                if (total == 0) {
                    throw f.error(f.value(r, "clusters").get(), rpath + ".clusters", "needs a weight > 0 somewhere");
                }
            }
            Duration timeout = f.duration(r, rpath, "timeout", Duration.ofSeconds(15));
            routes.add(new HttpRoute(f.string(r, rpath, "host", null, false), prefix, targets, timeout));
        }
        return routes;
    }

    private static HealthCheck healthCheck(YamlFile f, YamlNode.Mapping cluster, String path) {
        if (f.value(cluster, "healthCheck").isEmpty()) {
            return null;
        }
        String hpath = path + ".healthCheck";
        YamlNode.Mapping h = f.mapping(f.value(cluster, "healthCheck").get(), hpath, "interval", "timeout", "rise", "fall");
        HealthCheck d = HealthCheck.defaults();
        Duration interval = f.duration(h, hpath, "interval", d.interval());
        Duration timeout = f.duration(h, hpath, "timeout", d.timeout());
        int rise = f.integer(h, hpath, "rise", d.rise());
        int fall = f.integer(h, hpath, "fall", d.fall());
        try {
            return new HealthCheck(interval, timeout, rise, fall);
        } catch (io.nines.core.InvalidConfigException e) {
            throw f.error(f.value(h, e.field()).orElse(h), hpath + "." + e.field(), e.getMessage()
                    .replaceFirst("^healthCheck\\." + e.field() + ": ", ""));
        }
    }

    private static Cluster cluster(YamlFile f, YamlNode.Mapping m, String path, String name) {
        boolean hasEndpoints = f.value(m, "endpoints").isPresent();
        boolean hasTopology = f.value(m, "topology").isPresent();
        if (hasEndpoints == hasTopology) {
            throw f.error(m, path, "needs exactly one of endpoints (a static list) or topology (the store's primary)");
        }
        if (hasEndpoints) {
            List<YamlNode> items = f.sequence(m, path, "endpoints", true);
            if (items.isEmpty()) {
                throw f.error(m, path + ".endpoints", "needs at least one host:port");
            }
            List<InetSocketAddress> endpoints = new ArrayList<>();
            for (int i = 0; i < items.size(); i++) {
                endpoints.add(f.address(items.get(i), path + ".endpoints[" + i + "]"));
            }
            return new ProxyConfig.StaticCluster(name, endpoints, healthCheck(f, m, path));
        }
        if (f.value(m, "healthCheck").isPresent()) {
            throw f.error(f.value(m, "healthCheck").get(), path + ".healthCheck",
                    "applies to static endpoints; the topology store says which primary is up");
        }
        String tpath = path + ".topology";
        YamlNode.Mapping t = f.mapping(f.value(m, "topology").orElseThrow(), tpath, "zookeeper", "namespace", "cluster",
                "sessionTimeout");
        return new ProxyConfig.TopologyCluster(name, f.string(t, tpath, "zookeeper", null, true),
                f.string(t, tpath, "namespace", "nines", false), f.string(t, tpath, "cluster", null, true),
                f.duration(t, tpath, "sessionTimeout", Duration.ofSeconds(6)));
    }
}
