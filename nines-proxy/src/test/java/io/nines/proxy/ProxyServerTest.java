package io.nines.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nines.proxy.config.ProxyConfig;
import io.nines.testkit.zookeeper.EmbeddedZooKeeper;
import io.nines.topology.ClusterTopology;
import io.nines.topology.Endpoint;
import io.nines.topology.zookeeper.ZooKeeperTopologyStore;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code nines proxy} from its config file, with the topology in a real ZooKeeper: a TCP listener bound to a
 * cluster's primary follows a failover published in the store and cuts off the fenced primary's clients, while a
 * listener on a static cluster goes on.
 */
class ProxyServerTest {

    private final List<AutoCloseable> closing = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = closing.size() - 1; i >= 0; i--) {
            closing.get(i).close();
        }
    }

    /** A server that says its name on connect, then echoes lines. */
    private InetSocketAddress named(String name) throws IOException {
        ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        closing.add(server);
        Thread.ofVirtual().start(() -> {
            while (!server.isClosed()) {
                try {
                    Socket s = server.accept();
                    Thread.ofVirtual().start(() -> {
                        try (s) {
                            OutputStream out = s.getOutputStream();
                            out.write((name + "\n").getBytes());
                            out.flush();
                            s.getInputStream().transferTo(out);
                        } catch (IOException e) {
                            // client gone
                        }
                    });
                } catch (IOException e) {
                    return;
                }
            }
        });
        return (InetSocketAddress) server.getLocalSocketAddress();
    }

    private static String firstLine(Socket s) throws IOException {
        StringBuilder line = new StringBuilder();
        for (int c; (c = s.getInputStream().read()) >= 0 && c != '\n'; ) {
            line.append((char) c);
        }
        return line.toString();
    }

    private static Socket connect(InetSocketAddress a) throws IOException {
        Socket s = new Socket();
        s.connect(a, 2_000);
        s.setSoTimeout(15_000);
        return s;
    }

    @Test
    void aPrimaryListenerFollowsAFailoverPublishedInZooKeeper() throws Exception {
        EmbeddedZooKeeper zk = EmbeddedZooKeeper.start();
        closing.add(zk);
        InetSocketAddress db1 = named("db1");
        InetSocketAddress db2 = named("db2");
        InetSocketAddress cache = named("cache");
        ZooKeeperTopologyStore publisher = ZooKeeperTopologyStore.builder(zk.connectString()).build();
        closing.add(publisher);
        ClusterTopology epoch1 = publisher.create(ClusterTopology.of("orders-db", ClusterTopology.Kind.MARIADB, 1,
                Endpoint.of("db1", "127.0.0.1", db1.getPort(), "a", Endpoint.Role.PRIMARY),
                Endpoint.of("db2", "127.0.0.1", db2.getPort(), "b", Endpoint.Role.REPLICA)));

        ProxyConfig config = ProxyConfig.parse("""
                ioThreads: 1
                drain: 1s
                admin: '127.0.0.1:0'
                listeners:
                  - {name: orders-db, address: '127.0.0.1:0', cluster: orders-primary}
                  - {name: cache, address: '127.0.0.1:0', cluster: cache}
                clusters:
                  - name: orders-primary
                    topology: {zookeeper: '%s', cluster: orders-db, sessionTimeout: 4s}
                  - name: cache
                    endpoints: ['127.0.0.1:%d']
                """.formatted(zk.connectString(), cache.getPort()), "proxy.yaml");
        ProxyServer server = ProxyServer.start(config);
        closing.add(server);
        InetSocketAddress ordersAt = server.listeners().get(0).address();
        InetSocketAddress cacheAt = server.listeners().get(1).address();

        await().atMost(Duration.ofSeconds(10)).until(() -> {
            try (Socket s = connect(ordersAt)) {
                return firstLine(s).equals("db1"); // once the view has read the store
            }
        });
        Socket onDb1 = connect(ordersAt);
        assertThat(firstLine(onDb1)).isEqualTo("db1");
        Socket onCache = connect(cacheAt);
        assertThat(firstLine(onCache)).isEqualTo("cache");

        assertThat(publisher.compareAndSet("orders-db", 1, epoch1.promote("db2"))).isTrue();

        assertThat(onDb1.getInputStream().read()).as("the fenced primary's client is cut off").isEqualTo(-1);
        onDb1.close();
        try (Socket onDb2 = connect(ordersAt)) {
            assertThat(firstLine(onDb2)).isEqualTo("db2");
        }
        onCache.getOutputStream().write("still here\n".getBytes());
        assertThat(firstLine(onCache)).as("the static listener is untouched").isEqualTo("still here");
        onCache.close();
        assertThat(server.listeners().get(0).stats().closedByTargetChange()).isEqualTo(1);

        // The admin endpoint reports it: JSON stats and Prometheus metrics.
        InetSocketAddress admin = server.adminAddress().orElseThrow();
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<String> stats = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin.getPort()
                + "/stats")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(stats.statusCode()).isEqualTo(200);
        assertThat(stats.body()).contains("\"name\":\"orders-db\"", "\"closedByTargetChange\":1",
                "\"transport\":\"epoll\"");
        HttpResponse<String> metrics = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + admin.getPort() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(metrics.body()).contains("# TYPE nines_proxy_tcp_connections_accepted_total counter",
                "nines_proxy_tcp_closed_by_target_change_total{listener=\"orders-db\"} 1",
                "nines_proxy_tcp_bytes_total{listener=\"cache\",direction=\"up\"} 11");
        HttpResponse<String> post = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin.getPort()
                + "/stats")).POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(post.statusCode()).as("read-only").isEqualTo(405);
    }
}
