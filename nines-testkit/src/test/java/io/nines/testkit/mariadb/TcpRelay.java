package io.nines.testkit.mariadb;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A test stand-in for a cuttable zone link: a loopback TCP relay to one target. {@link #cut()} closes
 * every relayed connection and closes new ones at once (a "refusing" link) until {@link #heal()}.
 */
final class TcpRelay implements AutoCloseable {
    private final InetSocketAddress target;
    private final ServerSocket server;
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private final AtomicInteger accepted = new AtomicInteger();
    private volatile boolean cut;

    TcpRelay(InetSocketAddress target) throws IOException {
        this.target = target;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().name("relay-accept-" + server.getLocalPort()).start(this::acceptLoop);
    }

    InetSocketAddress address() {
        return new InetSocketAddress("127.0.0.1", server.getLocalPort());
    }

    int accepted() {
        return accepted.get();
    }

    void cut() {
        cut = true;
        sockets.forEach(TcpRelay::closeQuietly);
    }

    void heal() {
        cut = false;
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            Socket client;
            try {
                client = server.accept();
            } catch (IOException e) {
                return;
            }
            accepted.incrementAndGet();
            if (cut) {
                closeQuietly(client);
                continue;
            }
            Thread.ofVirtual().start(() -> relay(client));
        }
    }

    private void relay(Socket client) {
        Socket upstream = new Socket();
        sockets.add(client);
        sockets.add(upstream);
        try {
            upstream.connect(target, 2_000);
            Thread.ofVirtual().start(() -> pump(upstream, client));
            pump(client, upstream);
        } catch (IOException e) {
            closeQuietly(client);
            closeQuietly(upstream);
        }
    }

    private void pump(Socket from, Socket to) {
        byte[] buf = new byte[16 * 1024];
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            int n;
            while ((n = in.read(buf)) >= 0) {
                out.write(buf, 0, n);
            }
        } catch (IOException e) {
            // a closed side ends the relayed connection
        } finally {
            closeQuietly(from);
            closeQuietly(to);
            sockets.remove(from);
            sockets.remove(to);
        }
    }

    @Override
    public void close() {
        cut();
        closeQuietly(server);
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            // closing
        }
    }
}
