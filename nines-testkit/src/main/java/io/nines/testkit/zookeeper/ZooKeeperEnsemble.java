package io.nines.testkit.zookeeper;

import io.nines.testkit.net.LoopbackPorts;
import io.nines.testkit.net.ZoneNetwork;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.Set;
import java.util.StringJoiner;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import org.apache.zookeeper.server.ServerCnxnFactory;
import org.apache.zookeeper.server.ZKDatabase;
import org.apache.zookeeper.server.ZooKeeperServer;
import org.apache.zookeeper.server.persistence.FileTxnSnapLog;
import org.apache.zookeeper.server.quorum.QuorumPeer;
import org.apache.zookeeper.server.quorum.QuorumPeer.QuorumServer;
import org.apache.zookeeper.server.quorum.flexible.QuorumMaj;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real ZooKeeper quorum in this JVM: N {@link QuorumPeer}s (ZooKeeper's own server classes), each
 * with its own data directory under a temp directory and its own loopback client, quorum and election
 * ports, with a small tick so that elections and failure detection take about a second.
 *
 * <p>Each node lives in a zone. With a {@link ZoneNetwork}, every peer-to-peer connection across zones
 * goes through the network's links: each peer gets its own server list in which the other peers'
 * quorum and election addresses are {@code route(myZone, theirZone, theirAddress)}, and election
 * connect-backs are routed too (see {@link ZonedQuorumPeer}). So {@code network.partition(zone)} cuts
 * that zone's peers from the rest as a real partition would. Clients get their connect string per zone
 * from {@link #connectString(String)}.
 *
 * <pre>{@code
 * try (ZoneNetwork net = new ZoneNetwork();
 *      ZooKeeperEnsemble zk = ZooKeeperEnsemble.builder()
 *          .node("a").node("b").node("c").network(net).start()) {
 *     String fromA = zk.connectString("a");
 *     net.partition("a");
 * }
 * }</pre>
 *
 * <p>Running several peers in one JVM touches ZooKeeper's JVM-wide state once: a peer's request to exit
 * the JVM (ZooKeeper does that on some fatal errors, e.g. an election port it cannot bind) is turned
 * into a log line, and the Jetty admin server is disabled unless the system property
 * {@code zookeeper.admin.enableServer} is set. Dynamic reconfiguration must stay disabled (the default),
 * since each peer's server list differs.
 */
public final class ZooKeeperEnsemble implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ZooKeeperEnsemble.class);
    private static final Duration POLL = Duration.ofMillis(20);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);

    private final List<Node> nodes;
    private final ZoneNetwork network;
    private final Path root;
    private final boolean ownsRoot;
    private final int tickMillis;
    private final int initLimit;
    private final int syncLimit;
    private final int minSessionMillis;
    private final int maxSessionMillis;
    private final Thread cleanupHook;
    private final ReentrantLock lifecycle = new ReentrantLock();
    private volatile boolean closed;

    private ZooKeeperEnsemble(Builder b) throws IOException {
        this.network = b.network;
        this.tickMillis = Math.toIntExact(b.tickTime.toMillis());
        this.initLimit = b.initLimit;
        this.syncLimit = b.syncLimit;
        this.minSessionMillis = b.minSessionTimeout == null ? 2 * tickMillis : Math.toIntExact(b.minSessionTimeout.toMillis());
        this.maxSessionMillis = Math.toIntExact(b.maxSessionTimeout.toMillis());
        this.ownsRoot = b.dataDir == null;
        this.root = ownsRoot ? Files.createTempDirectory("nines-zk-") : Files.createDirectories(b.dataDir);
        List<Node> list = new ArrayList<>();
        Set<Integer> ports = new HashSet<>();
        for (int i = 0; i < b.zones.size(); i++) {
            int id = i + 1;
            Path dir = Files.createDirectories(root.resolve("node-" + id));
            list.add(new Node(id, b.zones.get(i), dir, freshPort(ports), freshPort(ports), freshPort(ports)));
        }
        this.nodes = List.copyOf(list);
        this.cleanupHook = new Thread(this::closeQuietly, "nines-zk-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanupHook);
    }

    public static Builder builder() {
        return new Builder();
    }

    // ---------------------------------------------------------------- topology

    /** Number of nodes; their ids are 1..size(). */
    public int size() {
        return nodes.size();
    }

    public String zone(int id) {
        return node(id).zone;
    }

    /** The node's real client address (127.0.0.1). */
    public InetSocketAddress clientAddress(int id) {
        return node(id).clientAddr;
    }

    /** The node's real quorum (follower-to-leader) address. */
    public InetSocketAddress quorumAddress(int id) {
        return node(id).quorumAddr;
    }

    /** The node's real election address. */
    public InetSocketAddress electionAddress(int id) {
        return node(id).electionAddr;
    }

    /** The zone network the peers and clients are routed through, if any. */
    public ZoneNetwork network() {
        return network;
    }

    /** The directory holding every node's data. */
    public Path dataDir() {
        return root;
    }

    /** Connect string of every node by its real address (no links). */
    public String connectString() {
        StringJoiner j = new StringJoiner(",");
        for (Node n : nodes) {
            j.add(hostPort(n.clientAddr));
        }
        return j.toString();
    }

    /** Connect string of every node as seen from a client in {@code clientZone}. */
    public String connectString(String clientZone) {
        int[] ids = new int[nodes.size()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = i + 1;
        }
        return connectString(clientZone, ids);
    }

    /** Connect string of the given nodes as seen from a client in {@code clientZone}. */
    public String connectString(String clientZone, int... ids) {
        Objects.requireNonNull(clientZone, "clientZone");
        if (ids.length == 0) {
            throw new IllegalArgumentException("no node ids");
        }
        StringJoiner j = new StringJoiner(",");
        for (int id : ids) {
            Node n = node(id);
            InetSocketAddress a = network == null ? n.clientAddr : network.route(clientZone, n.zone, n.clientAddr);
            j.add(hostPort(a));
        }
        return j.toString();
    }

    // ---------------------------------------------------------------- state

    public NodeState state(int id) {
        QuorumPeer p = node(id).peer;
        if (p == null || !p.isRunning()) {
            return NodeState.STOPPED;
        }
        return switch (p.getPeerState()) {
            case LOOKING -> NodeState.LOOKING;
            case FOLLOWING -> NodeState.FOLLOWING;
            case LEADING -> NodeState.LEADING;
            case OBSERVING -> NodeState.OBSERVING;
        };
    }

    /** Whether the node is leading or following and its server is up to date and serving clients. */
    public boolean isServing(int id) {
        QuorumPeer p = node(id).peer;
        if (p == null || !p.isRunning()) {
            return false;
        }
        QuorumPeer.ServerState s = p.getPeerState();
        if (s == QuorumPeer.ServerState.LOOKING) {
            return false;
        }
        ZooKeeperServer zks = p.getActiveServer();
        return zks != null && zks.isRunning();
    }

    /**
     * The serving leader, if any. Right after a partition an isolated old leader may still serve for
     * up to syncLimit ticks; of two, the one with the higher epoch is returned.
     */
    public OptionalInt leader() {
        int best = -1;
        long bestEpoch = -1;
        for (Node n : nodes) {
            QuorumPeer p = n.peer;
            if (p != null && p.getPeerState() == QuorumPeer.ServerState.LEADING && isServing(n.id)) {
                long epoch;
                try {
                    epoch = p.getCurrentEpoch();
                } catch (IOException e) {
                    epoch = 0;
                }
                if (epoch > bestEpoch) {
                    best = n.id;
                    bestEpoch = epoch;
                }
            }
        }
        return best < 0 ? OptionalInt.empty() : OptionalInt.of(best);
    }

    /** Waits until some node leads and serves; returns its id. */
    public int awaitLeader(Duration timeout) throws TimeoutException {
        await(() -> leader().isPresent(), timeout, "a serving leader");
        return leader().orElseThrow();
    }

    /** Waits until the node serves clients (e.g. after a restart or a heal). */
    public void awaitServing(int id, Duration timeout) throws TimeoutException {
        node(id);
        await(() -> isServing(id), timeout, "node " + id + " serving");
    }

    /** Waits until every node that is not stopped serves, with a leader among them. */
    public void awaitAllServing(Duration timeout) throws TimeoutException {
        await(() -> {
            if (leader().isEmpty()) {
                return false;
            }
            for (Node n : nodes) {
                if (n.peer != null && !isServing(n.id)) {
                    return false;
                }
            }
            return true;
        }, timeout, "all running nodes serving");
    }

    // ---------------------------------------------------------------- lifecycle

    /** Stops one node (as a crash of its process would, but with a clean shutdown of its files). */
    public void stop(int id) {
        Node n = node(id);
        lifecycle.lock();
        try {
            n.stop();
        } finally {
            lifecycle.unlock();
        }
    }

    /** Starts a stopped node again with its data, ports and zone. Does not wait for it to serve. */
    public void start(int id) {
        Node n = node(id);
        lifecycle.lock();
        try {
            if (closed) {
                throw new IllegalStateException("ensemble closed");
            }
            n.start(false);
        } finally {
            lifecycle.unlock();
        }
    }

    /** Stops all nodes and deletes the data directories. The zone network stays open (the caller owns it). */
    @Override
    public void close() {
        lifecycle.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            for (Node n : nodes) {
                n.stop();
                if (n.frontDoor != null) {
                    n.frontDoor.close();
                }
            }
            if (ownsRoot) {
                deleteRecursively(root);
            }
        } finally {
            lifecycle.unlock();
        }
        try {
            Runtime.getRuntime().removeShutdownHook(cleanupHook);
        } catch (IllegalStateException ignored) {
            // the JVM is already shutting down: we are the hook
        }
    }

    private void closeQuietly() {
        try {
            close();
        } catch (RuntimeException e) {
            LOG.warn("closing ZooKeeper ensemble at exit", e);
        }
    }

    private void startAll(Duration timeout) throws TimeoutException {
        lifecycle.lock();
        try {
            for (Node n : nodes) {
                n.start(true);
            }
        } finally {
            lifecycle.unlock();
        }
        awaitAllServing(timeout);
    }

    private Node node(int id) {
        if (id < 1 || id > nodes.size()) {
            throw new IllegalArgumentException("no node " + id + " (ids are 1.." + nodes.size() + ")");
        }
        return nodes.get(id - 1);
    }

    /**
     * The server list as node {@code self} sees it: others through the routes from its zone. No entry
     * has a client address, so the config that ZooKeeper publishes in /zookeeper/config names none:
     * Curator's ensemble tracker would otherwise replace the client's connect string with real
     * addresses (bypassing the links) of whatever the leader's list holds.
     */
    private Map<Long, QuorumServer> viewFrom(Node self) {
        Map<Long, QuorumServer> view = new HashMap<>();
        for (Node n : nodes) {
            if (n == self || network == null) {
                view.put((long) n.id, new QuorumServer(n.id, n.quorumAddr, n.electionAddr, null,
                        QuorumPeer.LearnerType.PARTICIPANT));
            } else {
                view.put((long) n.id, new QuorumServer(n.id,
                        network.route(self.zone, n.zone, n.quorumAddr),
                        network.route(self.zone, n.zone, n.electionAddr),
                        null, QuorumPeer.LearnerType.PARTICIPANT));
            }
        }
        return view;
    }

    private static void await(BooleanSupplier condition, Duration timeout, String what) throws TimeoutException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new TimeoutException("no " + what + " within " + timeout.toMillis() + " ms");
            }
            try {
                Thread.sleep(POLL);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted waiting for " + what, e);
            }
        }
    }

    /** A free loopback port not already given to another node of this ensemble. */
    private static InetSocketAddress freshPort(Set<Integer> taken) {
        int port;
        do {
            port = LoopbackPorts.pick();
        } while (!taken.add(port));
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
    }

    private static String hostPort(InetSocketAddress a) {
        return a.getHostString() + ":" + a.getPort();
    }

    private static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    LOG.debug("cannot delete {}", p, e);
                }
            });
        } catch (IOException e) {
            LOG.warn("cannot delete {}", dir, e);
        }
    }

    /** One peer: fixed id, zone, ports and data directory; a new QuorumPeer per start. */
    private final class Node {
        final int id;
        final String zone;
        final Path dir;
        final InetSocketAddress clientAddr;
        final InetSocketAddress quorumAddr;
        final InetSocketAddress electionAddr;
        final ElectionFrontDoor frontDoor;
        volatile ZonedQuorumPeer peer;

        Node(int id, String zone, Path dir, InetSocketAddress clientAddr, InetSocketAddress quorumAddr,
                InetSocketAddress electionAddr) throws IOException {
            this.id = id;
            this.zone = zone;
            this.dir = dir;
            this.clientAddr = clientAddr;
            this.quorumAddr = quorumAddr;
            this.electionAddr = electionAddr;
            this.frontDoor = network == null ? null : new ElectionFrontDoor(id, this::electionRouteFrom);
        }

        private InetSocketAddress electionRouteFrom(long callerId) {
            if (callerId < 1 || callerId > nodes.size()) {
                return null;
            }
            return network.route(nodes.get((int) callerId - 1).zone, zone, electionAddr);
        }

        /**
         * @param first the ensemble's first start: a port taken by someone else fails at once (the
         *     builder then retries with fresh ports); on a restart the node needs its own ports back
         */
        void start(boolean first) {
            if (peer != null) {
                return;
            }
            ZooKeeperJvm.prepare();
            if (first) {
                if (!portsFree()) {
                    throw new PortTakenException("a port of ZooKeeper node " + id + " was taken");
                }
            } else {
                awaitPortsFree();
            }
            ServerCnxnFactory cnxns = null;
            boolean started = false;
            try {
                ZonedQuorumPeer p = new ZonedQuorumPeer(frontDoor == null ? null : frontDoor.address());
                File data = dir.toFile();
                FileTxnSnapLog txn = new FileTxnSnapLog(data, data);
                p.setTxnFactory(txn);
                p.enableLocalSessions(false);
                p.enableLocalSessionsUpgrading(false);
                p.setElectionType(3);
                p.setMyid(id);
                p.setTickTime(tickMillis);
                p.setMinSessionTimeout(minSessionMillis);
                p.setMaxSessionTimeout(maxSessionMillis);
                p.setInitLimit(initLimit);
                p.setSyncLimit(syncLimit);
                p.setConnectToLearnerMasterLimit(initLimit);
                p.setZKDatabase(new ZKDatabase(txn));
                p.setQuorumVerifier(new QuorumMaj(viewFrom(this)), false);
                p.initConfigInZKDatabase();
                cnxns = ServerCnxnFactory.createFactory();
                // 0: no per-IP limit; every client (and every link) comes from 127.0.0.1.
                cnxns.configure(clientAddr, 0, -1, false);
                p.setCnxnFactory(cnxns);
                p.setLearnerType(QuorumPeer.LearnerType.PARTICIPANT);
                p.setSyncEnabled(true);
                p.setQuorumListenOnAllIPs(false);
                p.initialize();
                p.setDaemon(true);
                p.setName("nines-zk-peer-" + id);
                p.start();
                started = true;
                peer = p;
                LOG.info("ZooKeeper node {} ({}) started: client {}, quorum {}, election {}", id, zone,
                        hostPort(clientAddr), hostPort(quorumAddr), hostPort(electionAddr));
            } catch (BindException e) {
                throw new PortTakenException("cannot bind client port of ZooKeeper node " + id + ": " + e.getMessage());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot start ZooKeeper node " + id, e);
            } finally {
                if (!started && cnxns != null) {
                    cnxns.shutdown();
                }
            }
        }

        void stop() {
            ZonedQuorumPeer p = peer;
            if (p == null) {
                return;
            }
            peer = null;
            p.shutdown();
            try {
                p.join(STOP_TIMEOUT.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (p.isAlive()) {
                LOG.warn("ZooKeeper node {} still running {} ms after shutdown", id, STOP_TIMEOUT.toMillis());
            }
            LOG.info("ZooKeeper node {} ({}) stopped", id, zone);
        }

        /** A restarted peer must bind the same ports; a fresh shutdown may hold them for a moment. */
        private boolean portsFree() {
            return LoopbackPorts.isFree(clientAddr.getPort()) && LoopbackPorts.isFree(quorumAddr.getPort())
                    && LoopbackPorts.isFree(electionAddr.getPort());
        }

        private void awaitPortsFree() {
            try {
                await(this::portsFree, STOP_TIMEOUT, "free ports for node " + id);
            } catch (TimeoutException e) {
                throw new IllegalStateException(e.getMessage(), e);
            }
        }
    }

    private static final class PortTakenException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        PortTakenException(String message) {
            super(message);
        }
    }

    /** Builds and starts an ensemble. */
    public static final class Builder {
        private final List<String> zones = new ArrayList<>();
        private ZoneNetwork network;
        private Duration tickTime = Duration.ofMillis(200);
        private int initLimit = 10;
        private int syncLimit = 5;
        private Duration minSessionTimeout;
        private Duration maxSessionTimeout = Duration.ofSeconds(60);
        private Path dataDir;
        private Duration startTimeout = Duration.ofSeconds(30);

        private Builder() {
        }

        /** Adds a node in the zone; ids are given in order from 1. */
        public Builder node(String zone) {
            if (zone == null || zone.isBlank()) {
                throw new IllegalArgumentException("zone must be a non-blank name");
            }
            zones.add(zone);
            return this;
        }

        /** Adds {@code count} nodes in the zone. */
        public Builder nodes(int count, String zone) {
            if (count < 1) {
                throw new IllegalArgumentException("count must be at least 1: " + count);
            }
            for (int i = 0; i < count; i++) {
                node(zone);
            }
            return this;
        }

        /** Routes every cross-zone peer and client connection through this network. */
        public Builder network(ZoneNetwork network) {
            this.network = Objects.requireNonNull(network, "network");
            return this;
        }

        /** ZooKeeper's tick (default 200 ms): heartbeats, and the unit of the limits below. */
        public Builder tickTime(Duration tickTime) {
            if (tickTime.toMillis() < 10) {
                throw new IllegalArgumentException("tickTime must be at least 10 ms: " + tickTime);
            }
            this.tickTime = tickTime;
            return this;
        }

        /** Ticks a follower may take to connect and sync to a leader (default 10). */
        public Builder initLimit(int ticks) {
            if (ticks < 1) {
                throw new IllegalArgumentException("initLimit must be at least 1: " + ticks);
            }
            this.initLimit = ticks;
            return this;
        }

        /**
         * Ticks without contact after which leader and follower give up on each other (default 5). This
         * sets how fast a partition shows: clients of a node cut off from the quorum see Disconnected
         * (Curator SUSPENDED) about syncLimit x tickTime + 0.1-0.3 s after the cut (measured: 200 ms x 5
         * gives 1.1-1.3 s; 1000 ms x 2 gives 2.1-2.2 s; 2000 ms x 2 would give the ~4 s of real
         * partitions with common production settings).
         */
        public Builder syncLimit(int ticks) {
            if (ticks < 1) {
                throw new IllegalArgumentException("syncLimit must be at least 1: " + ticks);
            }
            this.syncLimit = ticks;
            return this;
        }

        /** Smallest session timeout the servers grant (default 2 ticks). */
        public Builder minSessionTimeout(Duration timeout) {
            this.minSessionTimeout = Objects.requireNonNull(timeout, "minSessionTimeout");
            return this;
        }

        /** Largest session timeout the servers grant (default 60 s, so clients choose theirs). */
        public Builder maxSessionTimeout(Duration timeout) {
            this.maxSessionTimeout = Objects.requireNonNull(timeout, "maxSessionTimeout");
            return this;
        }

        /** Where node data goes (default: a temp directory, deleted on close). A given directory is kept. */
        public Builder dataDir(Path dir) {
            this.dataDir = Objects.requireNonNull(dir, "dataDir");
            return this;
        }

        /** How long {@link #start()} waits for every node to serve (default 30 s). */
        public Builder startTimeout(Duration timeout) {
            this.startTimeout = Objects.requireNonNull(timeout, "startTimeout");
            return this;
        }

        /**
         * Starts every node and waits until all serve under an elected leader. With no node added,
         * starts three nodes in zone "local".
         */
        public ZooKeeperEnsemble start() throws IOException, TimeoutException {
            if (zones.isEmpty()) {
                nodes(3, "local");
            }
            long tick = tickTime.toMillis();
            long min = minSessionTimeout == null ? 2 * tick : minSessionTimeout.toMillis();
            if (min < 2 * tick) {
                throw new IllegalArgumentException("minSessionTimeout must be at least 2 ticks (" + 2 * tick + " ms): " + min + " ms");
            }
            if (maxSessionTimeout.toMillis() < min) {
                throw new IllegalArgumentException("maxSessionTimeout must be at least minSessionTimeout: " + maxSessionTimeout);
            }
            // Ports are picked free but not reserved: another process may bind one first. Fresh ports then.
            for (int attempt = 1; ; attempt++) {
                ZooKeeperEnsemble ensemble = new ZooKeeperEnsemble(this);
                try {
                    ensemble.startAll(startTimeout);
                    return ensemble;
                } catch (PortTakenException e) {
                    ensemble.close();
                    if (attempt == 3) {
                        throw new IOException(e.getMessage() + " (3 attempts)", e);
                    }
                    LOG.info("{}: starting again on fresh ports", e.getMessage());
                } catch (RuntimeException | TimeoutException e) {
                    ensemble.close();
                    throw e;
                }
            }
        }
    }
}
