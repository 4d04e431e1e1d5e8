package io.nines.core.idempotency.internal;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * A tiny Redis client over plain sockets: enough RESP for the idempotency store (commands, Lua scripts
 * by SHA with fallback to EVAL). Thread-safe; holds up to {@code maxConnections} sockets, each lent to
 * one caller per command. A reused idle socket that turns out dead (Redis restarted, idle timeout) is
 * dropped with all idle ones and the command sent once more on a fresh socket, so commands must be safe
 * to repeat.
 */
public final class RespClient implements AutoCloseable {

    private final String host;
    private final int port;
    private final int timeoutMillis;
    private final byte[] password;
    private final int database;
    private final Semaphore permits;
    private final ConcurrentLinkedDeque<RespConnection> idle = new ConcurrentLinkedDeque<>();
    private volatile boolean closed;

    /**
     * @param password {@code null} for none; else sent with {@code AUTH} on every new connection
     * @param database selected with {@code SELECT} on every new connection unless 0
     */
    public RespClient(String host, int port, int maxConnections, Duration timeout, String password, int database) {
        if (host == null || port <= 0 || port > 65535 || maxConnections <= 0 || timeout == null || timeout.isNegative()
                || timeout.isZero() || database < 0) {
            throw new IllegalArgumentException("bad Redis client settings: " + host + ":" + port + ", maxConnections="
                    + maxConnections + ", timeout=" + timeout + ", database=" + database);
        }
        this.host = host;
        this.port = port;
        this.timeoutMillis = (int) Math.min(Integer.MAX_VALUE, timeout.toMillis());
        this.password = password == null ? null : password.getBytes(StandardCharsets.UTF_8);
        this.database = database;
        this.permits = new Semaphore(maxConnections, true);
    }

    /** A Lua script and its SHA-1, for {@code EVALSHA}. */
    public record Script(String source, String sha1) {
        public static Script of(String source) {
            try {
                byte[] digest = MessageDigest.getInstance("SHA-1").digest(source.getBytes(StandardCharsets.UTF_8));
                return new Script(source, HexFormat.of().formatHex(digest));
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("SHA-1 is missing from this JVM", e);
            }
        }
    }

    /**
     * Sends a command; arguments are {@code String} (UTF-8), {@code byte[]} or numbers. Returns the
     * parsed reply; an error reply is thrown as {@link RespServerException}.
     */
    public Object call(Object... args) throws IOException {
        byte[][] command = encode(args);
        for (int attempt = 0; ; attempt++) {
            if (closed) {
                throw new IOException("Redis client for " + host + ":" + port + " is closed");
            }
            acquirePermit();
            RespConnection conn = idle.pollFirst();
            boolean reused = conn != null;
            Object reply;
            try {
                if (conn == null) {
                    conn = open();
                }
                reply = conn.roundTrip(command);
            } catch (IOException | RuntimeException e) {
                if (conn != null) {
                    conn.close();
                }
                permits.release();
                if (reused && attempt == 0 && e instanceof IOException) {
                    // A stale pooled socket: its idle siblings likely died with it (Redis restarted or
                    // dropped clients), so drop them all and send once more on a fresh one.
                    closeIdle();
                    continue;
                }
                throw e;
            }
            giveBack(conn);
            if (reply instanceof RespError error) {
                throw new RespServerException(error.message());
            }
            return reply;
        }
    }

    /** Runs {@code script} by its SHA-1, loading it with {@code EVAL} when Redis does not know it yet. */
    public Object eval(Script script, int numKeys, Object... keysAndArgs) throws IOException {
        Object[] args = new Object[keysAndArgs.length + 3];
        args[0] = "EVALSHA";
        args[1] = script.sha1();
        args[2] = numKeys;
        System.arraycopy(keysAndArgs, 0, args, 3, keysAndArgs.length);
        try {
            return call(args);
        } catch (RespServerException e) {
            if (!e.error().startsWith("NOSCRIPT")) {
                throw e;
            }
            args[0] = "EVAL";
            args[1] = script.source();
            return call(args);
        }
    }

    private RespConnection open() throws IOException {
        RespConnection conn = new RespConnection(host, port, timeoutMillis);
        try {
            if (password != null) {
                expectOk(conn.roundTrip(new byte[][] {bytes("AUTH"), password}), "AUTH");
            }
            if (database != 0) {
                expectOk(conn.roundTrip(new byte[][] {bytes("SELECT"), bytes(Integer.toString(database))}), "SELECT");
            }
            return conn;
        } catch (IOException | RuntimeException e) {
            conn.close();
            throw e;
        }
    }

    private static void expectOk(Object reply, String command) throws IOException {
        if (reply instanceof RespError e) {
            throw new RespServerException(command + " refused: " + e.message());
        }
    }

    private void acquirePermit() throws IOException {
        try {
            if (!permits.tryAcquire(timeoutMillis, TimeUnit.MILLISECONDS)) {
                throw new IOException("no Redis connection to " + host + ":" + port + " free within " + timeoutMillis + " ms");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted waiting for a Redis connection");
        }
    }

    private void giveBack(RespConnection conn) {
        if (closed) {
            conn.close();
        } else {
            idle.offerFirst(conn);
            if (closed && idle.remove(conn)) { // closed meanwhile: close() may have drained before our offer
                conn.close();
            }
        }
        permits.release();
    }

    private static byte[][] encode(Object[] args) {
        byte[][] out = new byte[args.length][];
        for (int i = 0; i < args.length; i++) {
            Object a = args[i];
            if (a instanceof byte[] b) {
                out[i] = b;
            } else if (a instanceof String s) {
                out[i] = s.getBytes(StandardCharsets.UTF_8);
            } else if (a instanceof Number n) {
                out[i] = bytes(n.toString());
            } else {
                throw new IllegalArgumentException("a Redis argument must be a String, byte[] or number: " + a);
            }
        }
        return out;
    }

    private static byte[] bytes(String ascii) {
        return ascii.getBytes(StandardCharsets.US_ASCII);
    }

    @Override
    public void close() {
        closed = true;
        closeIdle();
    }

    private void closeIdle() {
        RespConnection conn;
        while ((conn = idle.pollFirst()) != null) {
            conn.close();
        }
    }
}
