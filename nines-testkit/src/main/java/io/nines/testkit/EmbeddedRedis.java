package io.nines.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.function.IntSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.embedded.RedisServer;

/**
 * A real Redis 6.2 server (embedded-redis) on an ephemeral 127.0.0.1 port, without persistence, for
 * tests and the demo. Close kills the process.
 *
 * <pre>{@code
 * try (EmbeddedRedis redis = EmbeddedRedis.start()) {
 *     connect(redis.host(), redis.port());
 * }
 * }</pre>
 */
public final class EmbeddedRedis implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedRedis.class);
    private static final int START_ATTEMPTS = 5;

    public static final String HOST = "127.0.0.1";

    private final RedisServer server;
    private final int port;
    private volatile boolean closed;

    private EmbeddedRedis(RedisServer server, int port) {
        this.server = server;
        this.port = port;
    }

    /** Starts a server on a free loopback port, retrying with a new port if another process took it first. */
    public static EmbeddedRedis start() {
        return start(FreePorts::loopback);
    }

    /** As {@link #start()}, with the ports to try drawn from {@code ports} (tests simulate a port race with it). */
    static EmbeddedRedis start(IntSupplier ports) {
        IOException last = null;
        for (int attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
            int port = ports.getAsInt();
            RedisServer server = null;
            try {
                server = RedisServer.newRedisServer()
                        .port(port)
                        .bind(HOST)
                        // No RDB/AOF files: nothing left behind, no fork for background saves.
                        .setting("save \"\"")
                        .setting("appendonly no")
                        .setting("daemonize no")
                        // SIGTERM and wait: the force-stop mode sends SIGKILL but returns before the process is gone.
                        .onShutdownForceStop(false)
                        .build();
                server.start();
                LOG.info("Redis started on {}:{}", HOST, port);
                return new EmbeddedRedis(server, port);
            } catch (IOException e) {
                last = e;
                LOG.warn("Redis start on port {} failed (attempt {}/{}): {}", port, attempt, START_ATTEMPTS,
                        e.getMessage());
                stopQuietly(server);
            }
        }
        throw new UncheckedIOException("Redis did not start after " + START_ATTEMPTS + " attempts", last);
    }

    public String host() {
        return HOST;
    }

    public int port() {
        return port;
    }

    /** {@code redis://127.0.0.1:port}. */
    public String uri() {
        return "redis://" + HOST + ":" + port;
    }

    public boolean isRunning() {
        return !closed && server.isActive();
    }

    /**
     * Stops the server process (SIGTERM; with no persistence configured it exits at once) and waits for
     * it to exit, so the port is closed when this returns.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        stopQuietly(server);
    }

    private static void stopQuietly(RedisServer server) {
        if (server == null) {
            return;
        }
        try {
            server.stop();
        } catch (IOException | RuntimeException e) {
            LOG.warn("Redis did not stop cleanly", e);
        }
    }
}
