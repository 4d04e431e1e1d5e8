package io.nines.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.nines.proxy.tcp.TcpTargets;
import io.nines.topology.TopologyView;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The HTTP listener with the JDK's HttpClient against JDK HttpServer upstreams, all on loopback. */
class HttpProxyTest {

    private final List<AutoCloseable> closing = new ArrayList<>();
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = closing.size() - 1; i >= 0; i--) {
            closing.get(i).close();
        }
    }

    /** An upstream named {@code name}: GET answers its name; POST answers size and SHA-256 of the body. */
    private InetSocketAddress upstream(String name, Set<Integer> clientPorts, Map<String, String> lastHeaders)
            throws IOException {
        HttpServer http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 100);
        http.setExecutor(java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor());
        http.createContext("/", ex -> {
            clientPorts.add(ex.getRemoteAddress().getPort());
            ex.getRequestHeaders().forEach((k, v) -> lastHeaders.put(k.toLowerCase(), String.join(",", v)));
            byte[] body;
            try (InputStream in = ex.getRequestBody()) {
                MessageDigest sha = MessageDigest.getInstance("SHA-256");
                byte[] buf = new byte[64 * 1024];
                long total = 0;
                for (int n; (n = in.read(buf)) >= 0; ) {
                    sha.update(buf, 0, n);
                    total += n;
                }
                body = (ex.getRequestMethod().equals("POST") ? total + " " + HexFormat.of().formatHex(sha.digest())
                        : name).getBytes(StandardCharsets.UTF_8);
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IOException(e);
            }
            ex.getResponseHeaders().set("X-Upstream", name);
            boolean head = ex.getRequestMethod().equals("HEAD");
            ex.sendResponseHeaders(200, head ? -1 : body.length);
            if (!head) {
                try (OutputStream out = ex.getResponseBody()) {
                    out.write(body);
                }
            }
            ex.close();
        });
        http.start();
        closing.add(() -> http.stop(0));
        return http.getAddress();
    }

    private InetSocketAddress upstream(String name) throws IOException {
        return upstream(name, ConcurrentHashMap.newKeySet(), new ConcurrentHashMap<>());
    }

    private HttpProxy proxy(List<HttpRoute> routes, Map<String, TcpTargets> clusters) throws InterruptedException {
        HttpProxy p = HttpProxy.start("web", new InetSocketAddress("127.0.0.1", 0), routes, clusters,
                Duration.ofSeconds(1), 1);
        closing.add(p);
        return p;
    }

    private static HttpRoute route(String prefix, Object... clusterWeights) {
        List<HttpRoute.WeightedCluster> cs = new ArrayList<>();
        for (int i = 0; i < clusterWeights.length; i += 2) {
            cs.add(new HttpRoute.WeightedCluster((String) clusterWeights[i], (Integer) clusterWeights[i + 1]));
        }
        return new HttpRoute(null, prefix, cs, Duration.ofSeconds(5));
    }

    private URI at(HttpProxy p, String path) {
        return URI.create("http://127.0.0.1:" + p.address().getPort() + path);
    }

    @Test
    void getsAndPostsGoThroughOverOneKeptAliveUpstreamConnection() throws Exception {
        Set<Integer> upstreamConnections = ConcurrentHashMap.newKeySet();
        Map<String, String> seen = new ConcurrentHashMap<>();
        HttpProxy p = proxy(List.of(route("/", "app", 1)),
                Map.of("app", TcpTargets.fixed("app", List.of(upstream("app-1", upstreamConnections, seen)))));
        for (int i = 0; i < 20; i++) {
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(at(p, "/hello?i=" + i)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).isEqualTo("app-1");
            assertThat(r.headers().firstValue("via")).hasValueSatisfying(v -> assertThat(v).contains("nines"));
        }
        HttpResponse<String> posted = client.send(HttpRequest.newBuilder(at(p, "/upload"))
                .POST(HttpRequest.BodyPublishers.ofString("hello")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(posted.body()).isEqualTo("5 " + HexFormat.of().formatHex(
                MessageDigest.getInstance("SHA-256").digest("hello".getBytes(StandardCharsets.UTF_8))));
        assertThat(upstreamConnections).as("upstream keep-alive: one connection for 21 requests").hasSize(1);
        assertThat(seen.get("x-forwarded-for")).isEqualTo("127.0.0.1");
        assertThat(p.stats().responses()).isEqualTo(21);
    }

    @Test
    void aChunkedUploadIsStreamedThrough() throws Exception {
        HttpProxy p = proxy(List.of(route("/", "app", 1)), Map.of("app", TcpTargets.fixed("app", List.of(upstream("a")))));
        byte[] data = new byte[8 * 1024 * 1024];
        new Random(7).nextBytes(data);
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(at(p, "/upload"))
                        .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(data))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(data.length + " " + HexFormat.of().formatHex(
                MessageDigest.getInstance("SHA-256").digest(data)));
    }

    @Test
    void canaryWeightsNinetyTenAreHonouredExactly() throws Exception {
        HttpProxy p = proxy(List.of(route("/", "stable", 90, "canary", 10)),
                Map.of("stable", TcpTargets.fixed("stable", List.of(upstream("stable"))),
                        "canary", TcpTargets.fixed("canary", List.of(upstream("canary")))));
        AtomicInteger canary = new AtomicInteger();
        int n = 2_000;
        for (int i = 0; i < n; i++) {
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(at(p, "/")).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.body().equals("canary")) {
                canary.incrementAndGet();
            }
        }
        assertThat(canary.get()).isEqualTo(n / 10);
    }

    @Test
    void routesMatchByPathPrefixAndUnmatchedPathsGet404() throws Exception {
        HttpProxy p = proxy(List.of(route("/api/", "api", 1), route("/static/", "web", 1)),
                Map.of("api", TcpTargets.fixed("api", List.of(upstream("api"))),
                        "web", TcpTargets.fixed("web", List.of(upstream("web")))));
        assertThat(client.send(HttpRequest.newBuilder(at(p, "/api/orders")).build(),
                HttpResponse.BodyHandlers.ofString()).body()).isEqualTo("api");
        assertThat(client.send(HttpRequest.newBuilder(at(p, "/static/app.js")).build(),
                HttpResponse.BodyHandlers.ofString()).body()).isEqualTo("web");
        assertThat(client.send(HttpRequest.newBuilder(at(p, "/other")).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(404);
        HttpResponse<String> head = client.send(HttpRequest.newBuilder(at(p, "/api/x"))
                .method("HEAD", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(head.body()).isEmpty();
        assertThat(client.send(HttpRequest.newBuilder(at(p, "/api/after-head")).build(),
                HttpResponse.BodyHandlers.ofString()).body()).as("the connection survived the HEAD").isEqualTo("api");
    }

    @Test
    void noEndpointIsA503RefusalAndADeadEndpointA502() throws Exception {
        ServerSocket reserved = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        InetSocketAddress dead = (InetSocketAddress) reserved.getLocalSocketAddress();
        reserved.close();
        HttpProxy p = proxy(List.of(route("/db/", "primary", 1), route("/", "dead", 1)),
                Map.of("primary", TcpTargets.primaryOf(TopologyView.detached("orders-db")),
                        "dead", TcpTargets.fixed("dead", List.of(dead))));
        HttpResponse<String> none = client.send(HttpRequest.newBuilder(at(p, "/db/x")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(none.statusCode()).isEqualTo(503);
        assertThat(none.headers().firstValue("x-nines-refusal")).hasValue("no_healthy_endpoint");
        HttpResponse<String> bad = client.send(HttpRequest.newBuilder(at(p, "/x")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(bad.statusCode()).isEqualTo(502);
        assertThat(bad.headers().firstValue("x-nines-refusal")).isEmpty();
    }

    @Test
    void aMalformedOrAmbiguousRequestGets400AndAClosedConnectionWhileOthersAreServed() throws Exception {
        HttpProxy p = proxy(List.of(route("/", "app", 1)), Map.of("app", TcpTargets.fixed("app", List.of(upstream("a")))));
        for (String bad : List.of("GARBAGE\r\n\r\n",
                "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
                "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 5\r\n\r\nabc")) {
            try (Socket s = new Socket()) {
                s.connect(p.address(), 2_000);
                s.setSoTimeout(5_000);
                s.getOutputStream().write(bad.getBytes(StandardCharsets.US_ASCII));
                String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
                assertThat(answer).as(bad).startsWith("HTTP/1.1 400");
            }
            assertThat(client.send(HttpRequest.newBuilder(at(p, "/")).build(), HttpResponse.BodyHandlers.ofString())
                    .body()).isEqualTo("a");
        }
    }
}
