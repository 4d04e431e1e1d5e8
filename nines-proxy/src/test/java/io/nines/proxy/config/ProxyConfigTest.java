package io.nines.proxy.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nines.config.ConfigFileException;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ProxyConfigTest {

    static final String GOOD = """
            ioThreads: 1
            drain: 2s
            listeners:
              - name: orders-db
                address: 127.0.0.1:3306
                protocol: tcp
                cluster: orders-primary
                connectTimeout: 500ms
                idleTimeout: 1m
              - name: cache
                address: 127.0.0.1:6379
                cluster: cache
            clusters:
              - name: orders-primary
                topology:
                  zookeeper: zk1:2181,zk2:2181
                  cluster: orders-db
              - name: cache
                endpoints: [127.0.0.1:7001, 127.0.0.1:7002]
                healthCheck: {interval: 2s, fall: 5}
            """;

    @Test
    void readsListenersAndBothKindsOfClusterWithDefaults() {
        ProxyConfig c = ProxyConfig.parse(GOOD, "proxy.yaml");
        assertThat(c.ioThreads()).isEqualTo(1);
        assertThat(c.drain()).isEqualTo(Duration.ofSeconds(2));
        assertThat(c.listeners()).hasSize(2);
        ProxyConfig.Listener db = c.listeners().getFirst();
        assertThat(db.address().getPort()).isEqualTo(3306);
        assertThat(db.protocol()).isEqualTo(ProxyConfig.Protocol.TCP);
        assertThat(db.connectTimeout()).isEqualTo(Duration.ofMillis(500));
        assertThat(db.idleTimeout()).isEqualTo(Duration.ofMinutes(1));
        assertThat(c.listeners().get(1).connectTimeout()).as("default").isEqualTo(Duration.ofSeconds(1));
        assertThat(c.listeners().get(1).idleTimeout()).as("default: never").isZero();
        assertThat(c.clusters().get("orders-primary")).isEqualTo(new ProxyConfig.TopologyCluster("orders-primary",
                "zk1:2181,zk2:2181", "nines", "orders-db", Duration.ofSeconds(6)));
        ProxyConfig.StaticCluster cache = (ProxyConfig.StaticCluster) c.clusters().get("cache");
        assertThat(cache.endpoints()).extracting(a -> a.getPort()).containsExactly(7001, 7002);
        assertThat(cache.healthCheck()).isEqualTo(new io.nines.proxy.cluster.HealthCheck(Duration.ofSeconds(2),
                Duration.ofMillis(500), 2, 5));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            a typo in a field      | address: 127.0.0.1:3306     | adress: 127.0.0.1:3306      | 5:5  | listeners[0].adress: unknown field
            a port out of range    | address: 127.0.0.1:3306     | address: 127.0.0.1:70000    | 5:14 | listeners[0].address: must be host:port with a port in 0..65535
            an unknown cluster     | cluster: orders-primary     | cluster: orders             | 7:14 | listeners[0].cluster: no cluster named 'orders'
            a bad duration         | connectTimeout: 500ms       | connectTimeout: fast        | 8:21 | listeners[0].connectTimeout: must be a duration
            a zero connect timeout | connectTimeout: 500ms       | connectTimeout: 0           | 8:21 | listeners[0].connectTimeout: must be > 0
            an unknown protocol    | protocol: tcp               | protocol: udp               | 6:15 | listeners[0].protocol: must be tcp
            a typo in the topology | cluster: orders-db          | clustr: orders-db           | 17:7 | clusters[0].topology.clustr: unknown field
            a zero fall count      | fall: 5                     | fall: 0                     | 20:39 | clusters[1].healthCheck.fall: must be >= 1
            """)
    void aBadFileIsRefusedNamingLineAndField(String what, String good, String bad, String lineCol, String message) {
        String yaml = GOOD.replace(good, bad);
        assertThat(yaml).as("the test edits something").isNotEqualTo(GOOD);
        assertThatThrownBy(() -> ProxyConfig.parse(yaml, "proxy.yaml")).isInstanceOf(ConfigFileException.class)
                .hasMessageStartingWith("proxy.yaml:" + lineCol + ": ").hasMessageContaining(message);
    }

    @Test
    void aClusterNeedsExactlyOneSourceOfEndpoints() {
        String both = GOOD.replace("    endpoints: [127.0.0.1:7001, 127.0.0.1:7002]",
                "    endpoints: [127.0.0.1:7001]\n    topology: {zookeeper: 'zk:2181', cluster: c}");
        assertThatThrownBy(() -> ProxyConfig.parse(both, "proxy.yaml")).isInstanceOf(ConfigFileException.class)
                .hasMessageContaining("clusters[1]: needs exactly one of endpoints");
    }

    @Test
    void notYamlAtAllIsRefusedWithItsPosition() {
        assertThatThrownBy(() -> ProxyConfig.parse("listeners: [\n  {name: x", "proxy.yaml"))
                .isInstanceOf(ConfigFileException.class).hasMessageStartingWith("proxy.yaml:").hasMessageContaining("not valid YAML");
    }

    @Test
    void anHttpListenerHasRoutesToWeightedClusters() {
        ProxyConfig c = ProxyConfig.parse("""
                listeners:
                  - name: web
                    address: 127.0.0.1:8080
                    protocol: http
                    routes:
                      - prefix: /api/
                        host: api.example.com
                        timeout: 3s
                        clusters: [{name: api, weight: 90}, {name: api-next, weight: 10}]
                      - cluster: web
                clusters:
                  - {name: api, endpoints: ['127.0.0.1:9001']}
                  - {name: api-next, endpoints: ['127.0.0.1:9002']}
                  - {name: web, endpoints: ['127.0.0.1:9003']}
                """, "proxy.yaml");
        ProxyConfig.Listener web = c.listeners().getFirst();
        assertThat(web.protocol()).isEqualTo(ProxyConfig.Protocol.HTTP);
        assertThat(web.cluster()).isNull();
        assertThat(web.routes()).containsExactly(
                new io.nines.proxy.http.HttpRoute("api.example.com", "/api/", java.util.List.of(
                        new io.nines.proxy.http.HttpRoute.WeightedCluster("api", 90),
                        new io.nines.proxy.http.HttpRoute.WeightedCluster("api-next", 10)), Duration.ofSeconds(3)),
                new io.nines.proxy.http.HttpRoute(null, "/", java.util.List.of(
                        new io.nines.proxy.http.HttpRoute.WeightedCluster("web", 1)), Duration.ofSeconds(15)));
        assertThatThrownBy(() -> ProxyConfig.parse("""
                listeners:
                  - {name: web, address: '127.0.0.1:8080', protocol: http, routes: [{prefix: /, cluster: nope}]}
                clusters:
                  - {name: web, endpoints: ['127.0.0.1:9003']}
                """, "proxy.yaml")).isInstanceOf(ConfigFileException.class)
                .hasMessageContaining("listeners[0].routes[0].cluster: no cluster named 'nope'");
    }
}
