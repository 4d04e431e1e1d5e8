package io.nines.testkit.zookeeper;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import org.apache.zookeeper.server.ServerCnxnFactory;
import org.apache.zookeeper.server.ZooKeeperServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A single standalone ZooKeeper server on a loopback ephemeral port, with its data in a temp directory
 * deleted on close. For tests that need a real store but no quorum; use {@link ZooKeeperEnsemble} for
 * quorum loss and partitions.
 */
public final class EmbeddedZooKeeper implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedZooKeeper.class);

    private final Path dir;
    private final ZooKeeperServer server;
    private final ServerCnxnFactory cnxns;
    private final InetSocketAddress address;
    private boolean closed;

    private EmbeddedZooKeeper(Duration tickTime, Duration maxSessionTimeout) throws IOException {
        this.dir = Files.createTempDirectory("nines-zk-single-");
        File data = dir.toFile();
        try {
            this.server = new ZooKeeperServer(data, data, Math.toIntExact(tickTime.toMillis()));
            server.setMaxSessionTimeout(Math.toIntExact(maxSessionTimeout.toMillis()));
            this.cnxns = ServerCnxnFactory.createFactory(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            cnxns.startup(server);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            deleteQuietly();
            throw new IOException("interrupted starting ZooKeeper", e);
        } catch (IOException | RuntimeException e) {
            deleteQuietly();
            throw e;
        }
        this.address = new InetSocketAddress(InetAddress.getLoopbackAddress(), cnxns.getLocalPort());
        LOG.info("standalone ZooKeeper on {}", connectString());
    }

    /** Starts a server with a 200 ms tick and a 60 s maximum session timeout. */
    public static EmbeddedZooKeeper start() throws IOException {
        return start(Duration.ofMillis(200), Duration.ofSeconds(60));
    }

    public static EmbeddedZooKeeper start(Duration tickTime, Duration maxSessionTimeout) throws IOException {
        ZooKeeperJvm.prepare();
        return new EmbeddedZooKeeper(tickTime, maxSessionTimeout);
    }

    public InetSocketAddress address() {
        return address;
    }

    public String connectString() {
        return address.getHostString() + ":" + address.getPort();
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        cnxns.shutdown();
        server.shutdown();
        deleteQuietly();
    }

    private void deleteQuietly() {
        try (var paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            LOG.debug("cannot delete {}", dir, e);
        }
    }
}
