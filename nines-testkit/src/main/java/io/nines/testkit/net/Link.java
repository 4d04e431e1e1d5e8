package io.nines.testkit.net;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A TCP relay from one zone to one target in another zone: a listener on a 127.0.0.1 ephemeral port
 * whose connections are forwarded to the target. A {@link ZoneNetwork} creates links and drives
 * their state; tests read the counters.
 *
 * <p>A cut behaves as a blackhole, as in a real partition: nothing is closed or reset; existing
 * connections stop moving bytes in both directions (what is already read is held), and a new
 * connection is accepted (the kernel would have completed the handshake from the backlog anyway)
 * but not connected upstream until the heal, so it hangs until the client's own timeout. If the
 * client gives up (closes) during the cut, before the heal, the connection never reaches the target,
 * as a SYN that was never answered. On heal, held bytes flow again in order. A client that closes
 * while the link flows is no such give-up, even if it closes before the link has connected upstream
 * (a client that writes and closes at once): its bytes and its close reach the target.
 *
 * <p>A delay holds each chunk for the one-way delay before forwarding it, in both directions, in
 * order; chunks are pipelined, so a delay adds latency, not a throughput cap.
 *
 * <p>One difference from a direct connection remains: a relay cannot refuse a handshake the kernel has
 * already completed, so when the target is down the client's connect succeeds and the connection is
 * then reset. Clients that retry a refused connect but treat a reset as a failure behave differently:
 * a ZooKeeper follower that reaches a new leader a few milliseconds before it listens re-runs the
 * election instead of retrying, which occasionally costs an election initLimit ticks.
 */
public final class Link implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Link.class);

    /** Small buffers keep what a cut link holds close to what the kernel would have in flight. */
    static final int CHUNK_BYTES = 8 * 1024;
    private static final int QUEUE_CHUNKS = 16;
    private static final int UPSTREAM_CONNECT_TIMEOUT_MILLIS = 5_000;

    private final String fromZone;
    private final String toZone;
    private final InetSocketAddress target;
    private final ServerSocket listener;
    private final InetSocketAddress address;
    private final String label;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private volatile boolean cut;
    private volatile long delayNanos;
    private volatile boolean closed;

    private final Set<Connection> connections = ConcurrentHashMap.newKeySet();
    private final AtomicLong bytesForward = new AtomicLong();
    private final AtomicLong bytesBackward = new AtomicLong();
    private final AtomicLong accepted = new AtomicLong();
    private final AtomicLong abandoned = new AtomicLong();
    private final AtomicInteger connectionIds = new AtomicInteger();

    Link(String fromZone, String toZone, InetSocketAddress target, boolean cut, long delayNanos) throws IOException {
        this.fromZone = fromZone;
        this.toZone = toZone;
        this.target = target;
        this.cut = cut;
        this.delayNanos = delayNanos;
        this.listener = new ServerSocket();
        listener.setReuseAddress(true);
        listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 256);
        this.address = new InetSocketAddress(InetAddress.getLoopbackAddress(), listener.getLocalPort());
        this.label = fromZone + "->" + toZone + " " + hostPort(target) + " via :" + address.getPort();
        Thread.ofVirtual().name("link-accept " + label).start(this::acceptLoop);
    }

    /** The address clients in {@link #fromZone()} connect to. */
    public InetSocketAddress address() {
        return address;
    }

    /** The real address the link forwards to. */
    public InetSocketAddress target() {
        return target;
    }

    public String fromZone() {
        return fromZone;
    }

    public String toZone() {
        return toZone;
    }

    public boolean isCut() {
        return cut;
    }

    public long delayNanos() {
        return delayNanos;
    }

    /** Bytes delivered to the target (client to server). */
    public long bytesForward() {
        return bytesForward.get();
    }

    /** Bytes delivered back to clients (server to client). */
    public long bytesBackward() {
        return bytesBackward.get();
    }

    /** Connections accepted since the link was created. */
    public long acceptedConnections() {
        return accepted.get();
    }

    /** Connections whose client gave up during a cut, so they never reached the target. */
    public long abandonedConnections() {
        return abandoned.get();
    }

    /** Connections currently open through the link (including ones held by a cut). */
    public int openConnections() {
        return connections.size();
    }

    /** Connections held by a cut whose client closed during the cut (they will be dropped on heal). */
    int heldAndClosedByClient() {
        int n = 0;
        for (Connection c : connections) {
            if (c.upstream == null && c.gaveUpDuringCut) {
                n++;
            }
        }
        return n;
    }

    void apply(boolean cut, long delayNanos) {
        lock.lock();
        try {
            boolean was = this.cut;
            this.cut = cut;
            this.delayNanos = delayNanos;
            changed.signalAll();
            if (was != cut) {
                LOG.debug("link {} {}", label, cut ? "cut" : "healed");
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        closeQuietly(listener);
        for (Connection c : List.copyOf(connections)) {
            c.close(false);
        }
    }

    @Override
    public String toString() {
        return "Link[" + label + ", open " + connections.size() + ", accepted " + accepted.get()
                + (cut ? ", cut" : "") + (delayNanos > 0 ? ", delay " + delayNanos / 1_000_000 + "ms" : "") + "]";
    }

    private void acceptLoop() {
        while (!closed) {
            Socket client;
            try {
                client = listener.accept();
            } catch (IOException e) {
                if (!closed) {
                    LOG.warn("link {} stopped accepting", label, e);
                }
                return;
            }
            accepted.incrementAndGet();
            Connection c = new Connection(client, connectionIds.incrementAndGet());
            connections.add(c);
            if (closed) {
                c.close(false);
                return;
            }
            c.start();
        }
    }

    /** Blocks while the link is cut. */
    private void awaitFlowing() throws InterruptedException, LinkClosedException {
        if (!cut && !closed) {
            return;
        }
        lock.lock();
        try {
            while (cut && !closed) {
                changed.await();
            }
            if (closed) {
                throw new LinkClosedException();
            }
        } finally {
            lock.unlock();
        }
    }

    /** Blocks until a chunk read at {@code readAtNanos} may be delivered: not cut, and its delay served. */
    private void awaitDelivery(long readAtNanos) throws InterruptedException, LinkClosedException {
        if (!cut && !closed && delayNanos == 0) {
            return;
        }
        lock.lock();
        try {
            while (!closed) {
                if (cut) {
                    changed.await();
                    continue;
                }
                long wait = readAtNanos + delayNanos - System.nanoTime();
                if (wait <= 0) {
                    return;
                }
                changed.awaitNanos(wait);
            }
            throw new LinkClosedException();
        } finally {
            lock.unlock();
        }
    }

    private static final class LinkClosedException extends Exception {
        private static final long serialVersionUID = 1L;

        LinkClosedException() {
            super(null, null, false, false);
        }
    }

    /** A unit of relayed data, or an end-of-stream / reset marker. */
    private record Chunk(byte[] data, int length, long readAtNanos, Kind kind) {
        enum Kind { DATA, EOF, RESET }
    }

    /** One client connection and, once the link lets it through, its upstream connection. */
    private final class Connection {
        private final Socket client;
        private final String name;
        private volatile Socket upstream;
        /** The client closed while a cut held the connection short of the target. */
        private volatile boolean gaveUpDuringCut;
        private final BlockingQueue<Chunk> forward = new ArrayBlockingQueue<>(QUEUE_CHUNKS);
        private final BlockingQueue<Chunk> backward = new ArrayBlockingQueue<>(QUEUE_CHUNKS);
        private final AtomicBoolean done = new AtomicBoolean();
        private final AtomicInteger halfClosed = new AtomicInteger();
        private final List<Thread> threads = new ArrayList<>(4);
        private final ReentrantLock threadsLock = new ReentrantLock();

        Connection(Socket client, int id) {
            this.client = client;
            this.name = label + " #" + id;
        }

        void start() {
            spawn("fwd-read", () -> pump(client, forward, true));
            spawn("fwd-write", this::connectAndForward);
        }

        private void spawn(String role, Runnable body) {
            threadsLock.lock();
            try {
                if (done.get()) {
                    return;
                }
                threads.add(Thread.ofVirtual().name("link " + role + " " + name).start(body));
            } finally {
                threadsLock.unlock();
            }
        }

        /**
         * Reads from a socket into a queue. The client side keeps reading before the upstream exists
         * (only to notice a client that gives up during a cut); otherwise a cut stops reading.
         */
        private void pump(Socket from, BlockingQueue<Chunk> queue, boolean clientSide) {
            try {
                InputStream in = from.getInputStream();
                while (true) {
                    if (!clientSide || upstream != null) {
                        awaitFlowing();
                    }
                    byte[] buf = new byte[CHUNK_BYTES];
                    int n;
                    try {
                        n = in.read(buf);
                    } catch (IOException e) {
                        if (clientSide) {
                            clientClosed();
                        }
                        queue.put(new Chunk(null, 0, System.nanoTime(), Chunk.Kind.RESET));
                        return;
                    }
                    if (n < 0) {
                        if (clientSide) {
                            clientClosed();
                        }
                        queue.put(new Chunk(null, 0, System.nanoTime(), Chunk.Kind.EOF));
                        return;
                    }
                    queue.put(new Chunk(buf, n, System.nanoTime(), Chunk.Kind.DATA));
                }
            } catch (InterruptedException | LinkClosedException | IOException e) {
                // closing: the connection's close() does the cleanup
            }
        }

        /**
         * Only a close during a cut is a give-up. On a flowing link the handshake was answered, so the
         * bytes and the close must arrive even if the upstream connect has not happened yet (a client
         * that writes and closes at once, as a ZooKeeper peer losing the election-connection challenge).
         */
        private void clientClosed() {
            if (upstream == null && cut) {
                gaveUpDuringCut = true;
            }
        }

        /** Waits for the link to let the connection through, connects upstream, then delivers client bytes. */
        private void connectAndForward() {
            try {
                awaitFlowing();
                if (gaveUpDuringCut) {
                    // The client gave up while the link was cut: as an unanswered SYN, it never arrives.
                    abandoned.incrementAndGet();
                    close(false);
                    return;
                }
                Socket up = new Socket();
                try {
                    up.setTcpNoDelay(true);
                    up.connect(target, UPSTREAM_CONNECT_TIMEOUT_MILLIS);
                } catch (IOException e) {
                    // Target down: the client sees a reset, the nearest thing to "connection refused".
                    closeQuietly(up);
                    close(true);
                    return;
                }
                client.setTcpNoDelay(true);
                upstream = up;
                if (done.get()) {
                    closeQuietly(up);
                    return;
                }
                spawn("bwd-read", () -> pump(up, backward, false));
                spawn("bwd-write", () -> deliver(backward, client, bytesBackward));
                deliver(forward, up, bytesForward);
            } catch (InterruptedException | LinkClosedException | IOException e) {
                close(false);
            }
        }

        private void deliver(BlockingQueue<Chunk> queue, Socket to, AtomicLong counter) {
            try {
                OutputStream out = to.getOutputStream();
                while (true) {
                    Chunk c = queue.take();
                    awaitDelivery(c.readAtNanos());
                    switch (c.kind()) {
                        case DATA -> {
                            out.write(c.data(), 0, c.length());
                            out.flush();
                            counter.addAndGet(c.length());
                        }
                        case EOF -> {
                            to.shutdownOutput();
                            if (halfClosed.incrementAndGet() == 2) {
                                close(false);
                            }
                            return;
                        }
                        case RESET -> {
                            close(true);
                            return;
                        }
                    }
                }
            } catch (InterruptedException | LinkClosedException e) {
                close(false);
            } catch (IOException e) {
                // The receiving side is gone: reset both, as a host would answer a dead socket.
                close(true);
            }
        }

        void close(boolean reset) {
            if (!done.compareAndSet(false, true)) {
                return;
            }
            connections.remove(this);
            Socket up = upstream;
            if (reset) {
                abort(client);
                if (up != null) {
                    abort(up);
                }
            } else {
                closeQuietly(client);
                if (up != null) {
                    closeQuietly(up);
                }
            }
            threadsLock.lock();
            try {
                Thread self = Thread.currentThread();
                for (Thread t : threads) {
                    if (t != self) {
                        t.interrupt();
                    }
                }
            } finally {
                threadsLock.unlock();
            }
        }
    }

    private static void abort(Socket s) {
        try {
            s.setSoLinger(true, 0);
        } catch (SocketException ignored) {
            // already closed
        }
        closeQuietly(s);
    }

    static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception ignored) {
            // best effort
        }
    }

    static String hostPort(InetSocketAddress a) {
        return a.getHostString() + ":" + a.getPort();
    }
}
