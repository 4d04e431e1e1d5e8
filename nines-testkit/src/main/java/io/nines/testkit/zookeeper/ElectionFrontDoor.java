package io.nines.testkit.zookeeper;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The election address a peer announces (see {@link ZonedQuorumPeer}): reads the first message of each
 * incoming election connection to learn the caller's server id, then relays the connection to the peer
 * through the route from the caller's zone (a link when the zones differ, so cuts apply).
 */
final class ElectionFrontDoor implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ElectionFrontDoor.class);
    private static final int HEADER_TIMEOUT_MILLIS = 10_000;

    private final long peerId;
    private final LongFunction<InetSocketAddress> routeFromCaller;
    private final ServerSocket listener;
    private final InetSocketAddress address;
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private final AtomicLong relayed = new AtomicLong();
    private volatile boolean closed;

    /**
     * @param routeFromCaller the address to reach this peer's election port from the zone of the given
     *     server id, or null for an unknown id
     */
    ElectionFrontDoor(long peerId, LongFunction<InetSocketAddress> routeFromCaller) throws IOException {
        this.peerId = peerId;
        this.routeFromCaller = routeFromCaller;
        this.listener = new ServerSocket();
        listener.setReuseAddress(true);
        listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        this.address = new InetSocketAddress(InetAddress.getLoopbackAddress(), listener.getLocalPort());
        Thread.ofVirtual().name("zk-front-door-" + peerId).start(this::acceptLoop);
    }

    InetSocketAddress address() {
        return address;
    }

    /** Connections relayed so far. */
    long relayedConnections() {
        return relayed.get();
    }

    private void acceptLoop() {
        while (!closed) {
            Socket caller;
            try {
                caller = listener.accept();
            } catch (IOException e) {
                if (!closed) {
                    LOG.warn("election front door of peer {} stopped", peerId, e);
                }
                return;
            }
            sockets.add(caller);
            Thread.ofVirtual().name("zk-front-door-" + peerId + "-conn").start(() -> relay(caller));
        }
    }

    private void relay(Socket caller) {
        Socket upstream = null;
        try {
            caller.setSoTimeout(HEADER_TIMEOUT_MILLIS);
            DataInputStream in = new DataInputStream(caller.getInputStream());
            // QuorumCnxManager's initial message: a protocol version (negative) then the server id, or,
            // from old peers, the server id alone.
            long first = in.readLong();
            long sid = first;
            ByteBuffer header = ByteBuffer.allocate(16);
            header.putLong(first);
            if (first < 0) {
                sid = in.readLong();
                header.putLong(sid);
            }
            caller.setSoTimeout(0);
            InetSocketAddress target = routeFromCaller.apply(sid);
            if (target == null) {
                LOG.warn("election connection to peer {} from unknown server id {}: closed", peerId, sid);
                close(caller);
                return;
            }
            upstream = new Socket();
            sockets.add(upstream);
            upstream.setTcpNoDelay(true);
            upstream.connect(target, HEADER_TIMEOUT_MILLIS);
            upstream.getOutputStream().write(header.array(), 0, header.position());
            relayed.incrementAndGet();
            LOG.debug("election front door of peer {} relays server {} to {}", peerId, sid, target);
            Socket up = upstream;
            AtomicInteger halves = new AtomicInteger();
            Thread.ofVirtual().name("zk-front-door-" + peerId + "-back").start(() -> copy(up, caller, halves));
            copy(caller, up, halves);
        } catch (IOException e) {
            close(caller);
            if (upstream != null) {
                close(upstream);
            }
        }
    }

    private void copy(Socket from, Socket to, AtomicInteger halves) {
        byte[] buf = new byte[8192];
        try {
            InputStream in = from.getInputStream();
            OutputStream out = to.getOutputStream();
            int n;
            while ((n = in.read(buf)) >= 0) {
                out.write(buf, 0, n);
                out.flush();
            }
            to.shutdownOutput();
            if (halves.incrementAndGet() == 2) {
                close(from);
                close(to);
            }
        } catch (IOException e) {
            close(from);
            close(to);
        }
    }

    private void close(Socket s) {
        sockets.remove(s);
        try {
            s.close();
        } catch (IOException ignored) {
            // best effort
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            listener.close();
        } catch (IOException ignored) {
            // best effort
        }
        for (Socket s : Set.copyOf(sockets)) {
            close(s);
        }
    }
}
