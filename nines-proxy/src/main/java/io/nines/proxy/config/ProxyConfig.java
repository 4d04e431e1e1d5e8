package io.nines.proxy.config;

import io.nines.config.YamlFile;
import io.nines.proxy.cluster.HealthCheck;
import io.nines.proxy.http.HttpRoute;
import io.nines.proxy.config.internal.ProxyConfigReader;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * {@code nines proxy}'s one YAML file: listeners in front of clusters (Envoy's words). Read with {@link #load};
 * a bad file is refused naming file, line, column and field.
 *
 * <pre>{@code
 * listeners:
 *   - name: orders-db            # applications connect here ...
 *     address: 127.0.0.1:3306
 *     protocol: tcp
 *     cluster: orders-primary    # ... and reach the current primary
 *     connectTimeout: 1s         # per endpoint tried (default 1s)
 *     idleTimeout: 0             # close silent connections (default 0: never)
 *   - name: web
 *     address: 127.0.0.1:8080
 *     protocol: http
 *     routes:                    # first match wins
 *       - prefix: /api/
 *         host: api.example.com  # optional: match the Host header too
 *         timeout: 15s           # request end to response head (default 15s); then 504
 *         clusters: [{name: api, weight: 90}, {name: api-next, weight: 10}]   # canary by weight
 *       - prefix: /
 *         cluster: web           # one cluster
 * clusters:
 *   - name: orders-primary
 *     topology:                  # endpoints from the topology store: the primary, through failovers
 *       zookeeper: zk1:2181,zk2:2181,zk3:2181
 *       cluster: orders-db
 *       sessionTimeout: 6s
 *   - name: cache
 *     endpoints: [10.0.1.7:6379, 10.0.2.7:6379]   # static, round robin
 *     healthCheck: {interval: 1s, timeout: 500ms, rise: 2, fall: 3}   # TCP connect checks (optional)
 * ioThreads: 1                   # event loops (default: one per core)
 * drain: 5s                      # on shutdown, open connections get this long to finish
 * admin: 127.0.0.1:9901          # GET /stats (JSON), GET /metrics (Prometheus); absent: no admin endpoint
 * }</pre>
 *
 * @param admin the admin endpoint's address, or {@code null} for none
 */
public record ProxyConfig(List<Listener> listeners, Map<String, Cluster> clusters, int ioThreads, Duration drain,
                          InetSocketAddress admin) {

    public ProxyConfig {
        listeners = List.copyOf(listeners);
        clusters = Map.copyOf(clusters);
    }

    public static ProxyConfig load(Path file) {
        return ProxyConfigReader.read(YamlFile.read(file));
    }

    public static ProxyConfig parse(String yaml, String source) {
        return ProxyConfigReader.read(YamlFile.parse(yaml.getBytes(java.nio.charset.StandardCharsets.UTF_8), source));
    }

    /**
     * Where clients connect, what it speaks, and where it sends them: a TCP listener to its {@code cluster}, an HTTP
     * listener by its {@code routes} (empty for TCP; {@code cluster} null for HTTP).
     */
    public record Listener(String name, InetSocketAddress address, Protocol protocol, String cluster,
                           List<HttpRoute> routes, Duration connectTimeout, Duration idleTimeout) {
        public Listener {
            routes = List.copyOf(routes);
        }
    }

    public enum Protocol {
        TCP, HTTP
    }

    /** A named set of endpoints. */
    public sealed interface Cluster permits StaticCluster, TopologyCluster {
        String name();
    }

    /** Fixed endpoints, round robin; with a {@code healthCheck} (or null), only those up get new connections. */
    public record StaticCluster(String name, List<InetSocketAddress> endpoints, HealthCheck healthCheck)
            implements Cluster {
        public StaticCluster {
            endpoints = List.copyOf(endpoints);
        }
    }

    /** The primary of a cluster in the ZooKeeper topology store. */
    public record TopologyCluster(String name, String zookeeper, String namespace, String cluster,
                                  Duration sessionTimeout) implements Cluster {
    }
}
