package io.nines.proxy.tcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.nines.core.InvalidConfigException;
import io.nines.topology.ClusterTopology;
import io.nines.topology.Endpoint;
import io.nines.topology.TopologyView;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The TCP listener with real sockets on loopback: upstreams are small blocking servers on virtual threads. */
class TcpProxyTest {

    private final List<AutoCloseable> closing = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = closing.size() - 1; i >= 0; i--) {
            closing.get(i).close();
        }
    }

    /** An upstream that hashes everything a connection sends until EOF, then answers byte count + SHA-256 and closes. */
    private InetSocketAddress hashingUpstream(AtomicInteger connections) throws IOException {
        return upstream(connections, s -> {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            InputStream in = s.getInputStream();
            byte[] buf = new byte[64 * 1024];
            long total = 0;
            for (int n; (n = in.read(buf)) >= 0; ) {
                sha.update(buf, 0, n);
                total += n;
            }
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            out.writeLong(total);
            out.write(sha.digest());
            out.flush();
        });
    }

    /** An upstream that echoes every byte back until EOF. */
    private InetSocketAddress echoUpstream(AtomicInteger connections) throws IOException {
        return upstream(connections, s -> s.getInputStream().transferTo(s.getOutputStream()));
    }

    interface Session {
        void serve(Socket s) throws Exception;
    }

    private InetSocketAddress upstream(AtomicInteger connections, Session session) throws IOException {
        ServerSocket server = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
        closing.add(server);
        Thread.ofVirtual().start(() -> {
            while (!server.isClosed()) {
                try {
                    Socket s = server.accept();
                    connections.incrementAndGet();
                    Thread.ofVirtual().start(() -> {
                        try (s) {
                            session.serve(s);
                        } catch (Exception e) {
                            // a client that went away: nothing to answer
                        }
                    });
                } catch (IOException e) {
                    return;
                }
            }
        });
        return (InetSocketAddress) server.getLocalSocketAddress();
    }

    private TcpProxy proxy(List<InetSocketAddress> endpoints, Duration idle) throws InterruptedException {
        return proxy(TcpTargets.fixed("test", endpoints), idle);
    }

    private TcpProxy proxy(TcpTargets targets, Duration idle) throws InterruptedException {
        TcpProxy p = TcpProxy.start(new TcpListenerConfig("test", new InetSocketAddress("127.0.0.1", 0),
                Duration.ofSeconds(1), idle), targets, 2);
        closing.add(p);
        return p;
    }

    private static Socket connect(TcpProxy p) throws IOException {
        Socket s = new Socket();
        s.connect(p.address(), 2_000);
        s.setSoTimeout(20_000);
        return s;
    }

    @Test
    void relaysBulkDataAndPassesTheHalfCloseOnSoTheAnswerComesBack() throws Exception {
        AtomicInteger upstreamConnections = new AtomicInteger();
        TcpProxy p = proxy(List.of(hashingUpstream(upstreamConnections)), Duration.ZERO);
        byte[] data = new byte[24 * 1024 * 1024];
        new Random(42).nextBytes(data);
        try (Socket s = connect(p)) {
            CompletableFuture<Void> sent = CompletableFuture.runAsync(() -> {
                try {
                    OutputStream out = s.getOutputStream();
                    for (int off = 0; off < data.length; off += 1 << 20) {
                        out.write(data, off, Math.min(1 << 20, data.length - off));
                    }
                    s.shutdownOutput(); // half-close: the upstream answers only after EOF
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            DataInputStream in = new DataInputStream(s.getInputStream());
            long total = in.readLong();
            byte[] digest = in.readNBytes(32);
            sent.get(20, TimeUnit.SECONDS);
            assertThat(total).isEqualTo(data.length);
            assertThat(digest).isEqualTo(MessageDigest.getInstance("SHA-256").digest(data));
            assertThat(in.read()).as("the upstream closed after answering: so does the proxy").isEqualTo(-1);
        }
        assertThat(p.stats().bytesUp()).isEqualTo(data.length);
        assertThat(p.stats().bytesDown()).isEqualTo(8 + 32);
        await().atMost(Duration.ofSeconds(5)).until(() -> p.stats().active() == 0);
    }

    @Test
    void manyConnectionsAtOnceEachGetTheirOwnBytesBack() throws Exception {
        TcpProxy p = proxy(List.of(echoUpstream(new AtomicInteger())), Duration.ZERO);
        List<CompletableFuture<Boolean>> results = new ArrayList<>();
        for (int c = 0; c < 40; c++) {
            int seed = c;
            results.add(CompletableFuture.supplyAsync(() -> {
                byte[] data = new byte[256 * 1024];
                new Random(seed).nextBytes(data);
                try (Socket s = connect(p)) {
                    CompletableFuture<Void> w = CompletableFuture.runAsync(() -> {
                        try {
                            s.getOutputStream().write(data);
                            s.shutdownOutput();
                        } catch (IOException e) {
                            throw new RuntimeException(e);
                        }
                    });
                    byte[] back = s.getInputStream().readAllBytes();
                    w.join();
                    return Arrays.equals(back, data);
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            }, java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()));
        }
        for (CompletableFuture<Boolean> r : results) {
            assertThat(r.get(30, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(p.stats().accepted()).isEqualTo(40);
    }

    @Test
    void anEndpointThatRefusesIsSkippedForTheNextOne() throws Exception {
        ServerSocket reserved = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        InetSocketAddress dead = (InetSocketAddress) reserved.getLocalSocketAddress();
        reserved.close(); // nothing listens there now: connects are refused
        AtomicInteger live = new AtomicInteger();
        TcpProxy p = proxy(List.of(dead, echoUpstream(live)), Duration.ZERO);
        for (int i = 0; i < 6; i++) {
            try (Socket s = connect(p)) {
                s.getOutputStream().write(("hello " + i).getBytes());
                s.shutdownOutput();
                assertThat(new String(s.getInputStream().readAllBytes())).isEqualTo("hello " + i);
            }
        }
        assertThat(live.get()).isEqualTo(6);
        assertThat(p.stats().connectFailures()).as("round robin sent half of them to the dead one first").isEqualTo(3);
    }

    @Test
    void whenNoEndpointAcceptsTheClientConnectionIsClosed() throws Exception {
        ServerSocket reserved = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        InetSocketAddress dead = (InetSocketAddress) reserved.getLocalSocketAddress();
        reserved.close();
        TcpProxy p = proxy(List.of(dead), Duration.ZERO);
        try (Socket s = connect(p)) {
            assertThat(s.getInputStream().read()).isEqualTo(-1);
        }
        assertThat(p.stats().connectFailures()).isEqualTo(1);
    }

    @Test
    void aClientThatLeavesClosesItsUpstreamConnection() throws Exception {
        AtomicInteger upstreamEofs = new AtomicInteger();
        InetSocketAddress up = upstream(new AtomicInteger(), s -> {
            while (s.getInputStream().read() >= 0) {
                // wait for the end
            }
            upstreamEofs.incrementAndGet();
        });
        TcpProxy p = proxy(List.of(up), Duration.ZERO);
        Socket s = connect(p);
        s.getOutputStream().write(1);
        await().atMost(Duration.ofSeconds(5)).until(() -> p.stats().bytesUp() == 1);
        s.setSoLinger(true, 0);
        s.close(); // a reset, not a polite close
        await().atMost(Duration.ofSeconds(5)).until(() -> upstreamEofs.get() == 1);
        await().atMost(Duration.ofSeconds(5)).until(() -> p.stats().active() == 0);
    }

    @Test
    void anIdleConnectionIsClosedAfterTheIdleTimeout() throws Exception {
        TcpProxy p = proxy(List.of(echoUpstream(new AtomicInteger())), Duration.ofMillis(300));
        try (Socket s = connect(p)) {
            s.getOutputStream().write("ping".getBytes());
            assertThat(new String(s.getInputStream().readNBytes(4))).isEqualTo("ping");
            assertThat(s.getInputStream().read()).as("closed once idle").isEqualTo(-1);
        }
    }

    @Test
    void aListenerWithoutEndpointsIsRefusedNamingTheField() {
        assertThatThrownBy(() -> TcpTargets.fixed("db", List.of()))
                .isInstanceOf(InvalidConfigException.class).hasMessageContaining("endpoints");
        assertThatThrownBy(() -> new TcpListenerConfig("db", new InetSocketAddress("127.0.0.1", 0), Duration.ZERO,
                Duration.ZERO)).isInstanceOf(InvalidConfigException.class).hasMessageContaining("connectTimeout");
    }

    @Test
    void itRunsOnNativeEpollOnLinux() throws Exception {
        TcpProxy p = proxy(List.of(echoUpstream(new AtomicInteger())), Duration.ZERO);
        assertThat(p.transport()).isEqualTo(System.getProperty("os.name").startsWith("Linux") ? "epoll" : "nio");
    }

    /** An upstream that first says its name, then echoes. */
    private InetSocketAddress namedEcho(String name) throws IOException {
        return upstream(new AtomicInteger(), s -> {
            OutputStream out = s.getOutputStream();
            out.write((name + "\n").getBytes());
            out.flush();
            s.getInputStream().transferTo(out);
        });
    }

    private static String firstLine(Socket s) throws IOException {
        StringBuilder line = new StringBuilder();
        for (int c; (c = s.getInputStream().read()) >= 0 && c != '\n'; ) {
            line.append((char) c);
        }
        return line.toString();
    }

    @Test
    void aListenerBoundToThePrimaryFollowsAFailoverAndClosesConnectionsToTheFencedOne() throws Exception {
        InetSocketAddress db1 = namedEcho("db1");
        InetSocketAddress db2 = namedEcho("db2");
        TopologyView view = TopologyView.detached("orders-db");
        ClusterTopology epoch1 = ClusterTopology.of("orders-db", ClusterTopology.Kind.MARIADB, 1,
                Endpoint.of("db1", "127.0.0.1", db1.getPort(), "a", Endpoint.Role.PRIMARY),
                Endpoint.of("db2", "127.0.0.1", db2.getPort(), "b", Endpoint.Role.REPLICA));
        TcpProxy p = proxy(TcpTargets.primaryOf(view), Duration.ZERO);

        try (Socket none = connect(p)) {
            assertThat(none.getInputStream().read()).as("no topology yet: no primary, closed at once").isEqualTo(-1);
        }
        view.offer(epoch1);
        Socket onDb1 = connect(p);
        assertThat(firstLine(onDb1)).isEqualTo("db1");

        view.offer(epoch1.promote("db2")); // epoch 2: db2 primary, db1 fenced

        assertThat(onDb1.getInputStream().read()).as("the fenced primary's client is cut off").isEqualTo(-1);
        onDb1.close();
        try (Socket onDb2 = connect(p)) {
            assertThat(firstLine(onDb2)).isEqualTo("db2");
            onDb2.getOutputStream().write("still here\n".getBytes());
            assertThat(firstLine(onDb2)).isEqualTo("still here");
        }
        assertThat(p.stats().closedByTargetChange()).isEqualTo(1);
        assertThat(p.stats().noTarget()).isEqualTo(1);
    }
}
